"""Reading annotations made elsewhere: ELAN, Praat, WebVTT/SRT, Label Studio, Tandem's own exports.

Pure (no Django). ``read_annotations(name, data)`` takes one uploaded file, or a zip of them, and
returns ``SourceLayer`` records (``base.py``); which reader runs is decided by the file's
extension, and for JSON by its content. Every failure is an ``ImportFormatError`` (a
``ValueError``) that names the file, and the tier and annotation when it is about one.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from typing import Any

import orjson

from datasets.imports.base import ImportFormatError, SourceLayer, SourceRegion
from datasets.imports.elan import read_eaf
from datasets.imports.labelstudio import read_labelstudio
from datasets.imports.native import layers_of, read_native
from datasets.imports.praat import read_textgrid
from datasets.imports.subtitles import read_subtitles

__all__ = ["EXTENSIONS", "ImportFormatError", "SourceLayer", "SourceRegion", "read_annotations"]

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


def _read_zip(name: str, data: bytes) -> list[SourceLayer]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ImportFormatError(name, f"not a readable zip ({exc})") from None
    if len(members) > MAX_MEMBERS:
        raise ImportFormatError(name, f"holds {len(members)} files; at most {MAX_MEMBERS} are read")
    if sum(m.file_size for m in members) > MAX_UNPACKED:
        raise ImportFormatError(name, f"unpacks to more than {MAX_UNPACKED} bytes")
    out: list[SourceLayer] = []
    found = 0
    for member in members:
        inner = member.filename
        # Media and notes beside the annotations are left alone, as are macOS's resource forks.
        if not inner.lower().endswith(EXTENSIONS) or inner.startswith("__MACOSX/") or "/." in f"/{inner}":
            continue
        found += 1
        try:
            content = archive.read(member)
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise ImportFormatError(f"{name}/{inner}", f"cannot be unpacked ({exc})") from None
        out += _read_one(f"{name}/{inner}", content)
    if not found:
        raise ImportFormatError(name, f"holds no annotation file ({', '.join(EXTENSIONS)})")
    return out


def read_annotations(name: str, data: bytes) -> list[SourceLayer]:
    """The layers of one uploaded file or zip (see the module docstring)."""
    if not data:
        raise ImportFormatError(name, "is empty")
    if name.lower().endswith(".zip") or data[:4] == b"PK\x03\x04":
        return _read_zip(name, data)
    return _read_one(name, data)
