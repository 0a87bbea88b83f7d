"""Reading annotations made elsewhere: ELAN, Praat, WebVTT/SRT, Label Studio, Tandem's own exports.

Pure (no Django). ``read_annotations(name, data)`` takes one uploaded file, or a zip of them, and
returns ``SourceLayer`` records (``base.py``); which reader runs is decided by the file's
extension, and for JSON by its content. ``read_bundle`` also lists the media beside them: the
audio, video and image files of a zip (and an uploaded file that is media itself), judged by
their first bytes, which ``copy_media`` streams out one at a time. Every failure is an
``ImportFormatError`` (a ``ValueError``) that names the file, and the tier and annotation when it
is about one.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Any

import orjson

from datasets.imports.base import ImportFormatError, SourceLayer, SourceRegion
from datasets.imports.elan import read_eaf
from datasets.imports.labelstudio import read_labelstudio
from datasets.imports.native import layers_of, read_native
from datasets.imports.praat import read_textgrid
from datasets.imports.subtitles import read_subtitles
from datasets.media.sniff import SNIFF_BYTES, sniff_bytes

__all__ = ["EXTENSIONS", "Bundle", "ImportFormatError", "MediaFile", "SourceLayer", "SourceRegion", "copy_media",
           "read_annotations", "read_bundle"]

MEDIA_KINDS = ("audio", "video", "image")
Source = bytes | IO[bytes]


@dataclass(frozen=True)
class MediaFile:
    """A media file of an upload: ``file`` names it in messages (``corpus.zip/a/clip.wav``), ``member``
    is its path in the zip ("" for an uploaded file that is media itself), ``name`` its base name."""

    file: str
    member: str
    name: str
    kind: str
    size: int


@dataclass
class Bundle:
    layers: list[SourceLayer] = field(default_factory=list)
    media: list[MediaFile] = field(default_factory=list)

EXTENSIONS = (".eaf", ".textgrid", ".vtt", ".srt", ".json", ".jsonl")
# A zip is read in memory: these bound what one upload may unpack to.
MAX_MEMBERS = 10_000
MAX_UNPACKED = 512 * 1024 * 1024


def _read_json(name: str, data: bytes) -> list[SourceLayer]:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ImportFormatError(name, f"not valid JSON ({exc})") from None
    if isinstance(doc, Mapping) and doc.get("format") == "tandem":
        items = doc.get("items")
        return layers_of(name, items if isinstance(items, list) else [])
    if isinstance(doc, list):
        first: Any = doc[0] if doc else {}
        if isinstance(first, Mapping) and ("data" in first or "predictions" in first) and "streams" not in first:
            return read_labelstudio(name, doc)
        return layers_of(name, doc)
    raise ImportFormatError(name, "JSON that is neither a Label Studio export (a list of tasks) nor a Tandem export")


def _read_one(name: str, data: bytes) -> list[SourceLayer]:
    lower = name.lower()
    if lower.endswith(".eaf"):
        return read_eaf(name, data)
    if lower.endswith(".textgrid"):
        return read_textgrid(name, data)
    if lower.endswith((".vtt", ".srt")):
        return read_subtitles(name, data)
    if lower.endswith(".jsonl"):
        return read_native(name, data, lines=True)
    if lower.endswith(".json"):
        return _read_json(name, data)
    raise ImportFormatError(name, f"not an annotation file: expected one of {', '.join(EXTENSIONS)} or a .zip of them")


def _skipped(inner: str) -> bool:
    """macOS's resource forks and hidden files travel in zips by accident."""
    return inner.startswith("__MACOSX/") or "/." in f"/{inner}"


def _zip_bundle(name: str, source: Source) -> Bundle:
    try:
        archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
        members = [m for m in archive.infolist() if not m.is_dir() and not _skipped(m.filename)]
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ImportFormatError(name, f"not a readable zip ({exc})") from None
    if len(members) > MAX_MEMBERS:
        raise ImportFormatError(name, f"holds {len(members)} files; at most {MAX_MEMBERS} are read")
    annotations = [m for m in members if m.filename.lower().endswith(EXTENSIONS)]
    if sum(m.file_size for m in annotations) > MAX_UNPACKED:
        raise ImportFormatError(name, f"its annotation files unpack to more than {MAX_UNPACKED} bytes")
    out = Bundle()
    for member in members:
        inner = member.filename
        try:
            if member in annotations:
                out.layers += _read_one(f"{name}/{inner}", archive.read(member))
                continue
            with archive.open(member) as fh:
                kind = sniff_bytes(fh.read(SNIFF_BYTES))
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
            raise ImportFormatError(f"{name}/{inner}", f"cannot be unpacked ({exc})") from None
        if kind in MEDIA_KINDS:  # notes and other files beside the annotations are left alone
            out.media.append(MediaFile(f"{name}/{inner}", inner, inner.rsplit("/", 1)[-1], kind, member.file_size))
    if not annotations:
        raise ImportFormatError(name, f"holds no annotation file ({', '.join(EXTENSIONS)})")
    return out


def _head(source: Source) -> bytes:
    if isinstance(source, bytes):
        return source[:SNIFF_BYTES]
    source.seek(0)
    head = source.read(SNIFF_BYTES)
    source.seek(0)
    return head


def read_bundle(name: str, source: Source) -> Bundle:
    """The layers of one uploaded file or zip and the media that came with them (see the module docstring)."""
    head = _head(source)
    if not head:
        raise ImportFormatError(name, "is empty")
    if name.lower().endswith(".zip") or head[:4] == b"PK\x03\x04":
        return _zip_bundle(name, source)
    kind = sniff_bytes(head)
    if not name.lower().endswith(EXTENSIONS) and kind in MEDIA_KINDS:
        size = len(source) if isinstance(source, bytes) else source.seek(0, io.SEEK_END)
        if not isinstance(source, bytes):
            source.seek(0)
        return Bundle(media=[MediaFile(name, "", name.replace("\\", "/").rsplit("/", 1)[-1], kind, size)])
    return Bundle(layers=_read_one(name, source if isinstance(source, bytes) else source.read()))


def read_annotations(name: str, data: bytes) -> list[SourceLayer]:
    """The layers of one uploaded file or zip (see the module docstring)."""
    return read_bundle(name, data).layers


def copy_media(source: Source, media: MediaFile, out: IO[bytes]) -> None:
    """Stream one media file of an upload into ``out`` (a zip member is never read whole)."""
    if not media.member:
        if isinstance(source, bytes):
            out.write(source)
        else:
            source.seek(0)
            shutil.copyfileobj(source, out)
        return
    with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as archive, \
            archive.open(media.member) as fh:
        shutil.copyfileobj(fh, out)
