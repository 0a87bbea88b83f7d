"""Streaming export writers and readers, one module per format, on plain export records.

Every writer has the signature ``writer(schema, records, out, **options) -> int`` (the number of
things written: items, rows, files or boxes) and streams: it holds one item at a time (one row
group for Parquet). Every reader has ``reader(inp, schema) -> Iterator[record]``. Same input →
same bytes, so releases can be re-made byte for byte. No Django, no app imports.

`FORMATS` maps a format name to its `ExportFormat`: writer, extension, MIME type, whether the
output is a zip, the track kinds it carries, and its reader.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from datasets.exports import coco, elan, labelstudio, native, praat, subtitles, tabular
from datasets.exports.base import ALL_KINDS

Writer = Callable[..., int]
Reader = Callable[[BinaryIO, Mapping[str, Any]], Iterator[dict[str, Any]]]


def _write_hf(schema: Mapping[str, Any], records: Iterable[Mapping[str, Any]], out: BinaryIO, **options: Any) -> int:
    # PyArrow (about 36 MB resident) is loaded by the worker that writes Parquet, not by every web process.
    from datasets.exports import huggingface

    return huggingface.write_hf(schema, records, out, **options)


def _read_hf(inp: BinaryIO, schema: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    from datasets.exports import huggingface

    return huggingface.read_hf(inp, schema)


@dataclass(frozen=True)
class ExportFormat:
    """What the export job and API need to know about one format."""

    name: str
    writer: Writer
    extension: str
    mime_type: str
    zipped: bool
    track_kinds: frozenset[str]
    reader: Reader | None
    description: str


FORMATS: dict[str, ExportFormat] = {f.name: f for f in [
    ExportFormat("jsonl", native.write_jsonl, "jsonl", "application/x-ndjson", False, ALL_KINDS,
                 native.read_jsonl, "Native records, one item per line"),
    ExportFormat("json", native.write_json, "json", "application/json", False, ALL_KINDS,
                 native.read_json, "Native records in one JSON document with the schema"),
    ExportFormat("csv", tabular.write_csv, "csv", "text/csv", False, ALL_KINDS,
                 tabular.read_csv, "One row per region"),
    ExportFormat("webvtt", subtitles.write_webvtt, "zip", "application/zip", True, frozenset({"transcript"}),
                 subtitles.read_webvtt, "WebVTT per item, annotation and transcript track"),
    ExportFormat("srt", subtitles.write_srt, "zip", "application/zip", True, frozenset({"transcript"}),
                 subtitles.read_srt, "SubRip per item, annotation and transcript track"),
    ExportFormat("eaf", elan.write_eaf, "zip", "application/zip", True,
                 frozenset({"segment", "point", "transcript"}), elan.read_eaf, "ELAN document per item"),
    ExportFormat("textgrid", praat.write_textgrid, "zip", "application/zip", True,
                 frozenset({"segment", "point", "transcript"}), praat.read_textgrid, "Praat TextGrid per item"),
    ExportFormat("labelstudio", labelstudio.write_labelstudio, "zip", "application/zip", True, ALL_KINDS,
                 labelstudio.read_labelstudio,
                 "Label Studio tasks with annotations and predictions, one list and config per data shape"),
    ExportFormat("hf", _write_hf, "zip", "application/zip", True, ALL_KINDS,
                 _read_hf, "Hugging Face datasets layout: Parquet + dataset card"),
    ExportFormat("coco", coco.write_coco, "zip", "application/zip", True, frozenset({"box"}),
                 coco.read_coco, "COCO detection zip for box tracks: ground truth plus results files"),
]}


def write(name: str, schema: Mapping[str, Any], records: Iterable[Mapping[str, Any]], out: BinaryIO,
          **options: Any) -> int:
    """Write `records` in format `name` (a key of FORMATS)."""
    return FORMATS[name].writer(schema, records, out, **options)


def read(name: str, inp: BinaryIO, schema: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Read records back from a file in format `name`."""
    fmt = FORMATS.get(name)
    if fmt is None:
        raise ValueError(f"unknown format {name!r}; known: {', '.join(sorted(FORMATS))}")
    reader = fmt.reader
    if reader is None:
        raise ValueError(f"format {name!r} cannot be read back")
    return reader(inp, schema)


__all__ = ["FORMATS", "ExportFormat", "read", "write"]
