"""ELAN EAF per item, read back with pympi-ling."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pympi

from datasets.exports.elan import parse_tier_name, tier_name

TIME_KINDS = {"segment", "point", "transcript"}


def _expected_tiers(schema: dict[str, Any], record: dict[str, Any]) -> dict[str, list[tuple[int, int, str]]]:
    kinds = {t["name"]: t["kind"] for t in schema["tracks"]}
    tiers: dict[str, list[tuple[int, int, str]]] = {}
    for ann in record["annotations"]:
        for track, kind in kinds.items():
            if kind not in TIME_KINDS:
                continue
            rows = []
            for r in ann["regions"]:
                if r["track"] != track:
                    continue
                if kind == "point":
                    rows.append((r["time_ms"], r["time_ms"], r["label"]))
                else:
                    rows.append((r["start_ms"], r["end_ms"], r["text"] if kind == "transcript" else r["label"]))
            tiers[tier_name(track, ann["kind"], ann["annotator"])] = sorted(rows)
    return tiers


def _open(tmp_path: Path, data: bytes) -> dict[str, pympi.Elan.Eaf]:
    docs = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            path = tmp_path / name
            path.write_bytes(zf.read(name))
            docs[name] = pympi.Elan.Eaf(str(path))
    return docs


def test_pympi_reads_one_tier_per_track_and_annotation_with_every_region(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes], tmp_path: Path) -> None:
    docs = _open(tmp_path, export("eaf", schema, records))
    assert list(docs) == ["clip 007.eaf", "clip-008.eaf"]
    for record, eaf in zip(records, docs.values(), strict=True):
        expected = _expected_tiers(schema, record)
        assert set(eaf.get_tier_names()) == set(expected)
        assert len(expected) == 3 * len(record["annotations"])
        for tier, rows in expected.items():
            got = sorted((a[0], a[1], a[2]) for a in eaf.get_annotation_data_for_tier(tier))
            assert got == rows
            assert eaf.get_parameters_for_tier(tier)["ANNOTATOR"] == parse_tier_name(tier)[2]


def test_points_are_zero_length_annotations_on_their_own_tier(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes], tmp_path: Path) -> None:
    eaf = _open(tmp_path, export("eaf", schema, records))["clip 007.eaf"]
    assert sorted(eaf.get_annotation_data_for_tier("events/human/ann_b")) == [(1580, 1580, "clap"), (4200, 4200, "laugh")]


def test_media_descriptors_carry_mime_types_and_time_origin_for_offsets(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes], tmp_path: Path) -> None:
    docs = _open(tmp_path, export("eaf", schema, records))
    full, sparse = docs["clip 007.eaf"], docs["clip-008.eaf"]
    assert [(m["MEDIA_URL"], m["MIME_TYPE"], m.get("TIME_ORIGIN")) for m in full.media_descriptors] == [
        ("media/ab/abcd.mp4", "video/mp4", None), ("media/cd/cdef.wav", "audio/x-wav", "-120")]
    assert [(m["MIME_TYPE"], m["TIME_ORIGIN"]) for m in sparse.media_descriptors] == [("audio/mpeg", "40")]
    assert dict(full.get_properties())["tandem:item_id"] == "7"


def test_labeled_tracks_have_a_controlled_vocabulary_of_their_labels(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes], tmp_path: Path) -> None:
    eaf = _open(tmp_path, export("eaf", schema, records))["clip 007.eaf"]
    assert sorted(eaf.get_controlled_vocabulary_names()) == ["events", "speech"]
    values = sorted(v[0][0][0] for v in eaf.get_cv_entries("speech").values())
    assert values == ["music", "speech"]


def test_eaf_reader_gives_back_every_time_region(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes],
        read_back: Callable[..., list[dict[str, Any]]]) -> None:
    back = read_back("eaf", export("eaf", schema, records), schema)
    for got, want in zip(back, records, strict=True):
        assert (got["item_id"], got["external_id"], got["duration_ms"]) == \
               (want["item_id"], want["external_id"], want["duration_ms"])
        assert [(s["uri"], s["offset_ms"]) for s in got["streams"]] == \
               [(s["uri"], s["offset_ms"]) for s in want["streams"] if s["kind"] != "text"]
        assert _expected_tiers(schema, got) == _expected_tiers(schema, want)
        assert [(a["annotator"], a["kind"]) for a in got["annotations"]] == \
               [(a["annotator"], a["kind"]) for a in want["annotations"]]
