"""CSV of regions: one row per region, every annotator and kind, for spreadsheets and pandas.

Columns (fixed order): item_id, external_id, annotator, annotation_kind, model, model_version,
kind (the track's kind), region_id, track, label, start_ms, end_ms, time_ms, start_char,
end_char, text, attributes (JSON), from_id, to_id, keyframes (JSON), score, source (JSON).
Empty cell = field absent. Annotations without regions and item fields other than the ids are
not carried; everything about a region is, so read → write gives the same bytes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, BinaryIO

from datasets.exports.base import JSONDict, dumps, loads, track_kinds

COLUMNS = ["item_id", "external_id", "annotator", "annotation_kind", "model", "model_version",
           "kind", "region_id", "track", "label", "start_ms", "end_ms", "time_ms", "start_char",
           "end_char", "text", "attributes", "from_id", "to_id", "keyframes", "score", "source"]
_INT_FIELDS = ("start_ms", "end_ms", "time_ms", "start_char", "end_char")
_JSON_FIELDS = ("attributes", "keyframes", "source")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write_csv(schema: Mapping[str, Any], records: Iterable[Mapping[str, Any]], out: BinaryIO,
              **options: Any) -> int:
    """Write one row per region; returns the number of rows."""
    kinds = track_kinds(schema)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\n")
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
                    row += [_cell(r.get(f)) for f in _INT_FIELDS]
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
        anns: dict[tuple[str, ...], JSONDict] = {}
        for row in csv.DictReader(text):
            ident = (row["item_id"], row["external_id"])
            if current is None or (_cell(current["item_id"]), _cell(current["external_id"])) != ident:
                if current is not None:
                    yield current
                current = {"item_id": int(row["item_id"]) if row["item_id"] else None,
                           "external_id": row["external_id"] or None, "annotations": []}
                anns = {}
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
