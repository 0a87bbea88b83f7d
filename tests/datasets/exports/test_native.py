"""Native JSON Lines and JSON: everything in the record comes back exactly."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

from datasets.exports.native import read_json


def test_jsonl_reads_back_records_equal_to_the_ones_written(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes],
        read_back: Callable[..., list[dict[str, Any]]]) -> None:
    data = export("jsonl", schema, records)
    assert data.count(b"\n") == len(records)
    assert read_back("jsonl", data, schema) == records


def test_jsonl_lines_carry_each_regions_track_kind_and_sorted_keys(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes]) -> None:
    kinds = {t["name"]: t["kind"] for t in schema["tracks"]}
    lines = export("jsonl", schema, records).splitlines()
    for line, record in zip(lines, records, strict=True):
        item = json.loads(line)
        assert line == json.dumps(item, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        assert item["streams"][0]["offset_ms"] == record["streams"][0]["offset_ms"]
        for ann_out, ann_in in zip(item["annotations"], record["annotations"], strict=True):
            assert [r["kind"] for r in ann_out["regions"]] == [kinds[r["track"]] for r in ann_in["regions"]]
            assert [{k: v for k, v in r.items() if k != "kind"} for r in ann_out["regions"]] == ann_in["regions"]


def test_json_document_holds_schema_and_items_and_reads_back_exactly(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes],
        read_back: Callable[..., list[dict[str, Any]]]) -> None:
    data = export("json", schema, records)
    doc = json.loads(data)
    assert doc["format"] == "tandem" and doc["version"] == 1
    assert doc["schema"] == schema
    assert [i["item_id"] for i in doc["items"]] == [7, 8]
    assert read_back("json", data, schema) == records


def test_json_reader_also_accepts_a_pretty_printed_document(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes]) -> None:
    pretty = json.dumps(json.loads(export("json", schema, records)), indent=2).encode()
    assert list(read_json(io.BytesIO(pretty), schema)) == records


def test_an_empty_export_is_still_a_valid_document(schema: dict[str, Any], export: Callable[..., bytes]) -> None:
    assert json.loads(export("json", schema, []))["items"] == []
    assert export("jsonl", schema, []) == b""
