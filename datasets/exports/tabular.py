"""CSV of regions: one row per region, every annotator and kind, for spreadsheets and pandas.

Columns (fixed order): item_id, external_id, annotator, annotation_kind, model, model_version,
kind (the track's kind), region_id, track, label, start_ms, end_ms, time_ms, start_char,
end_char, text, attributes (JSON), from_id, to_id, keyframes (JSON), score, source (JSON).
Empty cell = field absent. Millisecond and character columns are always written as integers
(``1200``, never ``1200.0``, even when a record holds a float): read them with pandas as
``dtype={"start_ms": "Int64", …}`` so the empty cells of other kinds do not turn them into floats.
Annotations without regions and item fields other than the ids are
not carried; everything about a region is, so read → write gives the same bytes.

Formula injection (OWASP "CSV injection"): a text cell that starts with ``=``, ``+``, ``-``, ``@``,
tab or carriage return would run as a formula when the file is opened in a spreadsheet, so it is
written with a leading single quote (``=HYPERLINK(…)`` → ``'=HYPERLINK(…)``). Numbers (``-12``,
``+3.5``, ``-1e3``) stay as they are. Leading quotes already in front of such text get one more,
so the reader strips exactly one and gets the raw value back; the JSON formats always carry it raw.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, BinaryIO

from datasets.exports.base import JSONDict, dumps, loads, track_kinds

COLUMNS = ["item_id", "external_id", "annotator", "annotation_kind", "model", "model_version",
           "kind", "region_id", "track", "label", "start_ms", "end_ms", "time_ms", "start_char",
           "end_char", "text", "attributes", "from_id", "to_id", "keyframes", "score", "source"]
_INT_FIELDS = ("start_ms", "end_ms", "time_ms", "start_char", "end_char")
_JSON_FIELDS = ("attributes", "keyframes", "source")


_FORMULA_START = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _formula_like(text: str) -> bool:
    bare = text.lstrip("'")
    return bool(bare) and bare[0] in _FORMULA_START and not _NUMBER.fullmatch(bare)


def spreadsheet_safe(text: str) -> str:
    """The text as a spreadsheet will show it and never run it (see the module docstring)."""
    return "'" + text if _formula_like(text) else text


def spreadsheet_raw(cell: str) -> str:
    """The inverse of ``spreadsheet_safe``."""
    return cell[1:] if cell.startswith("'") and _formula_like(cell) else cell


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return spreadsheet_safe(value)
    return str(value)


def _int_cell(value: Any) -> str:
    """An integer column's cell: a whole number as digits only, whatever numeric type it came as."""
    return "" if value is None else str(round(float(value))) if isinstance(value, float) else str(value)


def write_csv(schema: Mapping[str, Any], records: Iterable[Mapping[str, Any]], out: BinaryIO,
              **options: Any) -> int:
    """Write one row per region; returns the number of rows."""
    kinds = track_kinds(schema)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    # CRLF (RFC 4180): the csv module quotes a field only for characters of the line terminator,
    # so with a bare LF a carriage return inside a text would end the row for every reader.
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    rows = 0
    try:
        for record in records:
            for ann in record.get("annotations", []):
                head = [_cell(record.get("item_id")), _cell(record.get("external_id")),
                        _cell(ann.get("annotator")), _cell(ann.get("kind")),
                        _cell(ann.get("model")), _cell(ann.get("model_version"))]
                for r in ann.get("regions", []):
                    row = [*head, kinds.get(r.get("track", ""), ""), _cell(r.get("id")), _cell(r.get("track")), _cell(r.get("label"))]
                    row += [_int_cell(r.get(f)) for f in _INT_FIELDS]
                    row.append(_cell(r.get("text")))
                    row.append(dumps(r["attributes"]).decode() if "attributes" in r else "")
                    row += [_cell(r.get("from_id")), _cell(r.get("to_id"))]
                    row.append(dumps(r["keyframes"]).decode() if "keyframes" in r else "")
                    row.append(_cell(r.get("score")))
                    row.append(dumps(r["source"]).decode() if "source" in r else "")
                    writer.writerow(row)
                    rows += 1
    finally:
        text.flush()
        text.detach()
    return rows


def _region(row: Mapping[str, str]) -> JSONDict:
    region: JSONDict = {"id": row["region_id"], "track": row["track"]}
    if row["label"]:
        region["label"] = row["label"]
    for f in _INT_FIELDS:
        if row[f]:
            region[f] = int(row[f])
    if row["text"]:
        region["text"] = row["text"]
    for f in ("from_id", "to_id"):
        if row[f]:
            region[f] = row[f]
    for f in _JSON_FIELDS:
        if row[f]:
            region[f] = loads(row[f])
    if row["score"]:
        region["score"] = float(row["score"])
    return region


def read_csv(inp: BinaryIO, schema: Mapping[str, Any] | None = None) -> Iterator[JSONDict]:
    """Rebuild records (ids and annotations with regions) from consecutive rows, item by item."""
    text = io.TextIOWrapper(inp, encoding="utf-8", newline="")
    try:
        current: JSONDict | None = None
        current_ident: tuple[str, str] | None = None
        anns: dict[tuple[str, ...], JSONDict] = {}
        for raw in csv.DictReader(text):
            row = {key: spreadsheet_raw(value) if isinstance(value, str) else value for key, value in raw.items()}
            ident = (row["item_id"], row["external_id"])
            if current is None or current_ident != ident:
                if current is not None:
                    yield current
                current = {"item_id": int(row["item_id"]) if row["item_id"] else None,
                           "external_id": row["external_id"] or None, "annotations": []}
                anns = {}
                current_ident = ident
            akey = (row["annotator"], row["annotation_kind"], row["model"], row["model_version"])
            ann = anns.get(akey)
            if ann is None:
                ann = {"annotator": row["annotator"], "kind": row["annotation_kind"],
                       "model": row["model"] or None, "model_version": row["model_version"] or None,
                       "regions": []}
                anns[akey] = ann
                current["annotations"].append(ann)
            ann["regions"].append(_region(row))
        if current is not None:
            yield current
    finally:
        text.detach()
