"""Hugging Face layout: Parquet read with pyarrow, dataset card, exact round trip."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import orjson
import pyarrow.parquet as pq

from datasets.exports.huggingface import DATA_FILE


def _parquet(data: bytes) -> pq.ParquetFile:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.namelist() == ["README.md", DATA_FILE]
        assert zf.getinfo(DATA_FILE).compress_type == zipfile.ZIP_STORED
        return pq.ParquetFile(io.BytesIO(zf.read(DATA_FILE)))


def test_one_row_per_item_with_media_columns_and_nested_regions(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes]) -> None:
    table = _parquet(export("hf", schema, records)).read()
    assert table.num_rows == 2
    assert table.column_names[:8] == ["item_id", "external_id", "duration_ms", "provenance", "metadata",
                                      "audio", "transcript", "video"]
    rows = table.to_pylist()
    assert [(r["audio"], r["video"], r["transcript"]) for r in rows] == [
        ("media/cd/cdef.wav", "media/ab/abcd.mp4", "media/ef/ef01.txt"), ("media/12/1234.mp3", None, None)]
    regions = rows[0]["regions"]
    assert len(regions) == sum(len(a["regions"]) for a in records[0]["annotations"])
    s1 = regions[0]
    assert (s1["annotator"], s1["annotation_kind"], s1["id"], s1["kind"], s1["start_ms"], s1["end_ms"]) == \
           ("ann_a", "human", "s1", "segment", 160, 2080)
    assert orjson.loads(s1["attributes"]) == records[0]["annotations"][0]["regions"][0]["attributes"]
    box = next(r for r in regions if r["id"] == "b2")
    assert box["keyframes"] == [{"time_ms": 1000, "x": 0.5, "y": 0.5, "w": 0.125, "h": 0.0625}]


def test_items_are_written_in_row_groups_of_the_asked_size(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes]) -> None:
    many = [{**r, "item_id": r["item_id"] + 100 * k, "external_id": f"{r['external_id']}-{k}"}
            for k in range(5) for r in records]
    pf = _parquet(export("hf", schema, many, row_group_size=3))
    assert [pf.metadata.row_group(i).num_rows for i in range(pf.num_row_groups)] == [3, 3, 3, 1]
    assert orjson.loads(pf.schema_arrow.metadata[b"tandem.schema"]) == schema


def test_dataset_card_points_datasets_at_the_parquet_file(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes]) -> None:
    with zipfile.ZipFile(io.BytesIO(export("hf", schema, records))) as zf:
        card = zf.read("README.md").decode()
    assert card.startswith("---\nconfigs:\n- config_name: default\n")
    assert f"    path: {DATA_FILE}\n---\n" in card
    assert "- `faces` (box): `face`, `hand`" in card


def test_reader_gives_back_the_original_records(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes],
        read_back: Callable[..., list[dict[str, Any]]]) -> None:
    assert read_back("hf", export("hf", schema, records), schema) == records


def test_transcript_words_and_the_probed_container_survive_the_round_trip(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes],
        read_back: Callable[..., list[dict[str, Any]]]) -> None:
    first = {**records[0], "streams": [{**s, "container": "mov,mp4,m4a,3gp,3g2,mj2"} if s["role"] == "video" else s
                                       for s in records[0]["streams"]]}
    human = first["annotations"][0]
    words = [{"text": "Alice", "start_ms": 120, "end_ms": 400}, {"text": "met", "start_ms": 400, "end_ms": 600},
             {"text": "Bob", "start_ms": 600, "end_ms": 900}]
    first["annotations"] = [{**human, "regions": [{**r, "words": words} if r["id"] == "w1" else r
                                                  for r in human["regions"]]}, *first["annotations"][1:]]
    data = export("hf", schema, [first, records[1]])
    row = _parquet(data).read().to_pylist()[0]
    assert next(r for r in row["regions"] if r["id"] == "w1")["words"] == words
    assert [s.get("container") for s in row["streams"] if s["role"] == "video"] == ["mov,mp4,m4a,3gp,3g2,mj2"]
    assert read_back("hf", data, schema) == [first, records[1]]
