"""Shared helpers for the export writers: canonical JSON, schema lookups, names, deterministic zips.

Every writer must produce the same bytes for the same input, because releases are content-hashed
and re-made byte for byte. The helpers here are where that is enforced: JSON always has sorted
keys and no whitespace, zip members always carry the same timestamp and permissions, and zips
are always written in streaming mode (data descriptors) whatever kind of file they go to, so a
seekable file and a pipe receive identical bytes.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import IO, Any, BinaryIO
from urllib.parse import quote, unquote

import orjson

JSONDict = dict[str, Any]

#: Timestamp written on every zip member (the earliest a zip can hold).
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)

#: Track kinds that live on the time axis as intervals, as instants, or as character spans.
INTERVAL_KINDS = frozenset({"segment", "transcript"})
ALL_KINDS = frozenset({"segment", "point", "transcript", "span", "box", "relation"})

#: MIME types by file extension. A fixed table rather than the `mimetypes` module, whose
#: answers depend on the files installed on the machine.
MIME_BY_EXTENSION: dict[str, str] = {
    "mp4": "video/mp4", "m4v": "video/mp4", "mov": "video/quicktime", "webm": "video/webm",
    "mkv": "video/x-matroska", "avi": "video/x-msvideo", "mpg": "video/mpeg", "mpeg": "video/mpeg",
    "wav": "audio/x-wav", "mp3": "audio/mpeg", "m4a": "audio/mp4", "aac": "audio/aac",
    "ogg": "audio/ogg", "oga": "audio/ogg", "opus": "audio/opus", "flac": "audio/flac",
    "txt": "text/plain", "vtt": "text/vtt", "srt": "application/x-subrip", "json": "application/json",
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png",
}


def dumps(obj: Any) -> bytes:
    """Canonical JSON bytes: UTF-8, sorted keys, no whitespace (orjson, for speed)."""
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)


def dumps_line(obj: Any) -> bytes:
    """`dumps` and a newline, in one call (orjson appends it without a copy of the line)."""
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)


def loads(data: bytes | str) -> Any:
    """Parse JSON bytes or text."""
    return orjson.loads(data)


def track_kinds(schema: Mapping[str, Any]) -> dict[str, str]:
    """Map each track name of a label schema to its kind."""
    return {t["name"]: t["kind"] for t in schema.get("tracks", [])}


def tracks_of_kind(schema: Mapping[str, Any], kinds: Iterable[str]) -> list[JSONDict]:
    """The schema's tracks whose kind is one of `kinds`, in schema order."""
    wanted = set(kinds)
    return [t for t in schema.get("tracks", []) if t["kind"] in wanted]


def item_key(record: Mapping[str, Any]) -> str:
    """The name an item goes by in file names: its external id, else its numeric id."""
    ext = record.get("external_id")
    return str(ext) if ext not in (None, "") else str(record.get("item_id"))


def safe_name(name: str) -> str:
    """Percent-quote a name so it is one path component (reversible with `unquote_name`).

    Slashes, percent signs, '#' and control characters are quoted; '.' and '..' are quoted
    whole so that no member name can climb out of its folder.
    """
    if name in (".", ".."):
        return name.replace(".", "%2E")
    return quote(name, safe="-_.@ ()+,=~")


def unquote_name(name: str) -> str:
    """Inverse of `safe_name`."""
    return unquote(name)


def seconds(ms: int) -> str:
    """Milliseconds as an exact decimal number of seconds ('1.5', '0.12', '0'): no float drift."""
    text = format(Decimal(int(ms)).scaleb(-3).normalize(), "f")
    return text


def to_ms(sec: float | str) -> int:
    """Seconds (float or decimal text) back to integer milliseconds, rounded to nearest."""
    return int((Decimal(str(sec)) * 1000).to_integral_value())


#: A media file's MIME type by the container the probe found, for keys without an extension.
MIME_BY_CONTAINER: dict[str, str] = {
    "mp4": "video/mp4", "mov": "video/quicktime", "webm": "video/webm", "mkv": "video/x-matroska",
    "avi": "video/x-msvideo", "mpeg": "video/mpeg", "wav": "audio/x-wav", "mp3": "audio/mpeg",
    "m4a": "audio/mp4", "ogg": "audio/ogg", "flac": "audio/flac", "aac": "audio/aac",
}
#: What is left when neither the extension nor the probe tells: the commonest of each kind, since
#: tools such as ELAN choose a player by the type and do not take ``video/*``.
DEFAULT_MIME = {"video": "video/mp4", "audio": "audio/x-wav", "image": "image/jpeg", "text": "text/plain"}


def media_mime(uri: str, kind: str, container: str | None = None) -> str:
    """MIME type of a media file: from its extension, else the probed container, else its kind's default."""
    ext = uri.rsplit(".", 1)[-1].lower() if "." in uri.rsplit("/", 1)[-1] else ""
    mime = MIME_BY_EXTENSION.get(ext) or MIME_BY_CONTAINER.get(str(container or "").lower())
    if mime is None:
        return DEFAULT_MIME.get(kind, "application/octet-stream")
    if kind == "audio" and mime.startswith("video/"):
        # an audio-only .webm/.mp4 is still audio
        return "audio/" + mime.split("/", 1)[1]
    return mime


def time_sorted(regions: Iterable[JSONDict]) -> list[JSONDict]:
    """Regions ordered by (start, end), ties kept in input order (Python's sort is stable)."""
    def key(r: JSONDict) -> tuple[int, int]:
        start = int(r.get("start_ms", r.get("time_ms")) or 0)
        return (start, int(r.get("end_ms", start)))
    return sorted(regions, key=key)


class _Unseekable:
    """A write-only view of a file, so zipfile always writes in streaming mode.

    zipfile writes different bytes to a seekable file (it seeks back to patch sizes) than to a
    pipe (it appends data descriptors); hiding seek/tell makes the output independent of the sink.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw

    def write(self, data: bytes) -> int:
        self._raw.write(data)
        return len(data)

    def flush(self) -> None:
        self._raw.flush()


class DeterministicZip:
    """A zip written member by member with fixed timestamps, permissions and compression.

    Use as a context manager; `open(name)` returns a writable stream for one member. Members
    larger than memory are fine: nothing is buffered beyond zlib's window.
    """

    def __init__(self, out: BinaryIO, *, compression: str = "deflated") -> None:
        self._method = zipfile.ZIP_DEFLATED if compression == "deflated" else zipfile.ZIP_STORED
        self._zip: zipfile.ZipFile = zipfile.ZipFile(_Unseekable(out), "w", compression=self._method,  # type: ignore[call-overload]
                                    compresslevel=6 if self._method == zipfile.ZIP_DEFLATED else None)

    def _info(self, name: str, stored: bool) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
        info.compress_type = zipfile.ZIP_STORED if stored else self._method
        info.create_system = 3
        info.external_attr = 0o100644 << 16
        return info

    def open(self, name: str, *, stored: bool = False) -> IO[bytes]:
        """A writable stream for member `name` (close it before opening the next).

        `stored` skips compression for a member that is compressed already.
        """
        return self._zip.open(self._info(name, stored), "w", force_zip64=True)

    def writestr(self, name: str, data: bytes) -> None:
        """Write a whole member at once."""
        with self.open(name) as f:
            f.write(data)

    def close(self) -> None:
        """Write the central directory."""
        self._zip.close()

    def __enter__(self) -> DeterministicZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_document_per_item(
    records: Iterable[Mapping[str, Any]],
    out: BinaryIO,
    extension: str,
    render: Callable[[Mapping[str, Any]], bytes],
    compression: str = "deflated",
) -> int:
    """Zip of one rendered document per item, named after the item; returns how many were written."""
    count = 0
    with DeterministicZip(out, compression=compression) as zf:
        for record in records:
            zf.writestr(f"{safe_name(item_key(record))}.{extension}", render(record))
            count += 1
    return count


def write_json_array(out: BinaryIO, prefix: bytes, items: Iterable[Any], suffix: bytes) -> int:
    """Stream a JSON array, one element per line, between `prefix` and `suffix`.

    One element per line keeps memory flat and lets `iter_json_array` read our own files back
    without parsing the whole document. Returns the number of elements written.
    """
    write = out.write
    write(prefix + b"\n")
    count = 0
    for element in items:
        # one write per element (the separator joined to it): this loop runs once per item
        write(b",\n" + dumps(element) if count else dumps(element))
        count += 1
    if count:
        write(b"\n")
    write(suffix)
    return count


def iter_json_array(inp: BinaryIO, prefix: bytes, key: str | None) -> Iterator[Any]:
    """Read back an array written by `write_json_array`, element by element.

    Our own files are read line by line in constant memory. Anything else (pretty-printed,
    written by another tool) is parsed whole: when the first lines do not fit the layout, the
    bytes read so far and the rest are parsed as one document. `key` names the array inside the
    top-level object (None when the document is the array itself).
    """
    head = [inp.readline()]
    if head[0].rstrip(b"\r\n") == prefix:
        line = inp.readline()
        head.append(line)
        if line.startswith(b"]") or line.startswith(b"}"):
            return  # an empty array in our layout
        yielded = 0
        while line:
            body = line.rstrip(b"\r\n")
            if body.startswith(b"]") or body.startswith(b"}"):
                return
            try:
                element = loads(body[:-1] if body.endswith(b",") else body) if body.startswith(b"{") else None
            except orjson.JSONDecodeError:
                element = None
            if element is None:
                if yielded:
                    raise ValueError("the JSON array changes layout part way through the file")
                break
            yield element
            yielded += 1
            line = inp.readline()
        else:
            return
    doc = loads(b"".join(head) + inp.read())
    yield from (doc if key is None else doc.get(key, []))
