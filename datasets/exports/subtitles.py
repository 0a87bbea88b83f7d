"""WebVTT and SRT for transcript tracks, one file per item, annotation and transcript track.

Zip layout: ``{item}/{annotation kind}/{annotator}/{track}.vtt`` (or ``.srt``), every component
percent-quoted (see `base.safe_name`); `item` is the external id, else the item id. Cue times are
on the item timeline. In WebVTT the cue identifier is the region id; SRT numbers its cues, so
region ids come back as ``c1, c2, …``. Cues are ordered by (start, end). Attributes, labels and
every non-transcript track are not carried. An (annotation, track) without any transcript region
gets no file at all: a cue-less SRT is 0 bytes and a cue-less WebVTT only a header, which players
and parsers (ffmpeg, webvtt-py) refuse; each one left out is named in the `notes` list when the
caller passes one.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, BinaryIO

from datasets.exports.base import (
    DeterministicZip,
    JSONDict,
    item_key,
    safe_name,
    time_sorted,
    tracks_of_kind,
    unquote_name,
)

_TIME = re.compile(r"(?:(\d+):)?(\d{2}):(\d{2})[.,](\d{3})")
_ARROW = re.compile(r"^\s*(\S+)\s+-->\s+(\S+)")


def format_time(ms: int, sep: str) -> str:
    """HH:MM:SS{sep}mmm from integer milliseconds."""
    hours, rest = divmod(int(ms), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{sep}{millis:03d}"


def parse_time(text: str) -> int:
    """Integer milliseconds from a WebVTT or SRT timestamp."""
    m = _TIME.fullmatch(text.strip())
    if not m:
        raise ValueError(f"not a subtitle timestamp: {text!r}")
    hours, minutes, secs, millis = (int(g) if g else 0 for g in m.groups())
    return ((hours * 60 + minutes) * 60 + secs) * 1000 + millis


def _cue_lines(text: str) -> list[str]:
    """Cue payload lines: a blank line would end the cue, so blank lines are dropped."""
    return [line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()]


def _escape_vtt(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _unescape_vtt(line: str) -> str:
    return line.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render_vtt(regions: Iterable[Mapping[str, Any]]) -> bytes:
    """A WebVTT file with one cue per transcript region."""
    parts = ["WEBVTT\n"]
    for r in time_sorted([dict(x) for x in regions]):
        lines = [_escape_vtt(line) for line in _cue_lines(r.get("text", ""))]
        parts.append(f"\n{r['id']}\n{format_time(r['start_ms'], '.')} --> {format_time(r['end_ms'], '.')}\n")
        parts.append("".join(line + "\n" for line in lines))
    return "".join(parts).encode("utf-8")


def render_srt(regions: Iterable[Mapping[str, Any]]) -> bytes:
    """An SRT file with one numbered cue per transcript region."""
    parts = []
    for n, r in enumerate(time_sorted([dict(x) for x in regions]), start=1):
        lines = _cue_lines(r.get("text", ""))
        if n > 1:
            parts.append("\n")
        parts.append(f"{n}\n{format_time(r['start_ms'], ',')} --> {format_time(r['end_ms'], ',')}\n")
        parts.append("".join(line + "\n" for line in lines))
    return "".join(parts).encode("utf-8")


def parse_cues(data: bytes, track: str, vtt: bool) -> list[JSONDict]:
    """Transcript regions of one WebVTT or SRT file (blocks separated by blank lines)."""
    text = data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    regions: list[JSONDict] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.split("\n") if line.strip()]
        timing = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue  # header, NOTE, STYLE, REGION blocks
        m = _ARROW.match(lines[timing])
        if not m:
            continue
        ident = lines[timing - 1].strip() if timing > 0 else ""
        payload = lines[timing + 1:]
        if vtt:
            payload = [_unescape_vtt(line) for line in payload]
        region_id = ident if vtt and ident else f"c{len(regions) + 1}"
        regions.append({"id": region_id, "track": track, "start_ms": parse_time(m.group(1)),
                        "end_ms": parse_time(m.group(2)), "text": "\n".join(payload)})
    return regions


def _write(schema: Mapping[str, Any], records: Iterable[Mapping[str, Any]], out: BinaryIO,
           ext: str, compression: str, notes: list[str] | None) -> int:
    tracks = [t["name"] for t in tracks_of_kind(schema, ["transcript"])]
    render = render_vtt if ext == "vtt" else render_srt
    files = 0
    with DeterministicZip(out, compression=compression) as zf:
        for record in records:
            key = safe_name(item_key(record))
            for ann in record.get("annotations", []):
                folder = f"{key}/{safe_name(ann.get('kind') or 'human')}/{safe_name(ann.get('annotator') or '')}"
                for track in tracks:
                    regions = [r for r in ann.get("regions", []) if r.get("track") == track]
                    if not regions:
                        if notes is not None:
                            notes.append(f"{folder}/{safe_name(track)}.{ext}: no transcript regions, no file written")
                        continue
                    zf.writestr(f"{folder}/{safe_name(track)}.{ext}", render(regions))
                    files += 1
    return files


def write_webvtt(schema: Mapping[str, Any], records: Iterable[Mapping[str, Any]], out: BinaryIO,
                 *, compression: str = "deflated", notes: list[str] | None = None, **options: Any) -> int:
    """Zip of WebVTT files; returns the number of files."""
    return _write(schema, records, out, "vtt", compression, notes)


def write_srt(schema: Mapping[str, Any], records: Iterable[Mapping[str, Any]], out: BinaryIO,
              *, compression: str = "deflated", notes: list[str] | None = None, **options: Any) -> int:
    """Zip of SRT files; returns the number of files."""
    return _write(schema, records, out, "srt", compression, notes)


def _read(inp: BinaryIO, ext: str) -> Iterator[JSONDict]:
    """Group the zip's files back into records, in the order they were written."""
    with zipfile.ZipFile(inp) as zf:
        current: JSONDict | None = None
        anns: dict[tuple[str, str], JSONDict] = {}
        for name in zf.namelist():
            parts = name.split("/")
            if len(parts) != 4 or not parts[3].endswith("." + ext):
                continue
            key, kind, annotator = (unquote_name(p) for p in parts[:3])
            track = unquote_name(parts[3][: -len(ext) - 1])
            if current is None or current["external_id"] != key:
                if current is not None:
                    yield current
                current = {"item_id": None, "external_id": key, "annotations": []}
                anns = {}
            ann = anns.get((kind, annotator))
            if ann is None:
                ann = {"annotator": annotator, "kind": kind, "regions": []}
                anns[(kind, annotator)] = ann
                current["annotations"].append(ann)
            ann["regions"].extend(parse_cues(zf.read(name), track, vtt=ext == "vtt"))
        if current is not None:
            yield current


def read_webvtt(inp: BinaryIO, schema: Mapping[str, Any] | None = None) -> Iterator[JSONDict]:
    """Records with transcript regions from a zip written by `write_webvtt`."""
    return _read(inp, "vtt")


def read_srt(inp: BinaryIO, schema: Mapping[str, Any] | None = None) -> Iterator[JSONDict]:
    """Records with transcript regions from a zip written by `write_srt`."""
    return _read(inp, "srt")
