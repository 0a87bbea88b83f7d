"""CSV of regions: one row per region, read back region by region."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from datasets.exports.tabular import COLUMNS


def test_csv_has_one_row_per_region_with_its_fields(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes]) -> None:
    kinds = {t["name"]: t["kind"] for t in schema["tracks"]}
    rows = list(csv.DictReader(io.StringIO(export("csv", schema, records).decode())))
    expected = [(rec, ann, r) for rec in records for ann in rec["annotations"] for r in ann["regions"]]
    assert len(rows) == len(expected) == 12 * 4 + 3 + 3
    assert list(rows[0]) == COLUMNS
    for row, (rec, ann, r) in zip(rows, expected, strict=True):
        assert row["item_id"] == str(rec["item_id"]) and row["external_id"] == rec["external_id"]
        assert (row["annotator"], row["annotation_kind"]) == (ann["annotator"], ann["kind"])
        assert (row["region_id"], row["track"], row["kind"]) == (r["id"], r["track"], kinds[r["track"]])
        assert row["label"] == r.get("label", "")
        for f in ("start_ms", "end_ms", "time_ms", "start_char", "end_char"):
            assert row[f] == (str(r[f]) if f in r else "")
        assert row["text"] == r.get("text", "")
        assert (json.loads(row["attributes"]) if row["attributes"] else None) == r.get("attributes")


def test_csv_reads_back_every_region_of_every_annotation(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes],
        read_back: Callable[..., list[dict[str, Any]]]) -> None:
    back = read_back("csv", export("csv", schema, records), schema)
    assert [(r["item_id"], r["external_id"]) for r in back] == [(7, "clip 007"), (8, "clip-008")]
    for got, want in zip(back, records, strict=True):
        assert [(a["annotator"], a["kind"], a["model"], a["model_version"]) for a in got["annotations"]] == \
               [(a["annotator"], a["kind"], a["model"], a["model_version"]) for a in want["annotations"]]
        for ga, wa in zip(got["annotations"], want["annotations"], strict=True):
            assert ga["regions"] == wa["regions"]
