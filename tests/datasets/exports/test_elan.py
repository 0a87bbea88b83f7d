"""ELAN EAF per item, read back with pympi-ling."""

from __future__ import annotations

import io
import itertools
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
            if rows:  # no empty tiers
                tiers[tier_name(track, ann["kind"], ann["annotator"])] = sorted(rows)
    return tiers


def _lanes_merged(eaf: pympi.Elan.Eaf) -> dict[str, list[tuple[int, int, str]]]:
    """Tier base name → every annotation of it and its lanes (``name#2``…), sorted."""
    out: dict[str, list[tuple[int, int, str]]] = {}
    for tier in eaf.get_tier_names():
        out.setdefault(tier.split("#")[0], []).extend((a[0], a[1], a[2]) for a in eaf.get_annotation_data_for_tier(tier))
    return {name: sorted(rows) for name, rows in out.items()}


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
        assert _lanes_merged(eaf) == expected
        # three tracks per annotation, less the prediction's empty point track
        assert len(expected) == 3 * len(record["annotations"]) - (1 if len(record["annotations"]) > 1 else 0)
        for tier in eaf.get_tier_names():
            assert eaf.get_parameters_for_tier(tier)["ANNOTATOR"] == parse_tier_name(tier)[2]
            assert eaf.get_annotation_data_for_tier(tier)  # no empty tier


def test_points_are_zero_length_annotations_on_their_own_tier(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes], tmp_path: Path) -> None:
    eaf = _open(tmp_path, export("eaf", schema, records))["clip 007.eaf"]
    assert sorted(eaf.get_annotation_data_for_tier("events/human/ann_b")) == [(1580, 1580, "clap"), (4200, 4200, "laugh")]


def test_media_descriptors_carry_mime_types_and_time_origin_for_offsets(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes], tmp_path: Path) -> None:
    docs = _open(tmp_path, export("eaf", schema, records))
    full, sparse = docs["clip 007.eaf"], docs["clip-008.eaf"]
    assert [(m["MEDIA_URL"], m["RELATIVE_MEDIA_URL"], m["MIME_TYPE"], m.get("TIME_ORIGIN"))
            for m in full.media_descriptors] == [
        ("file:///media/media/ab/abcd.mp4", "./media/media/ab/abcd.mp4", "video/mp4", None),
        ("file:///media/media/cd/cdef.wav", "./media/media/cd/cdef.wav", "audio/x-wav", "-120")]
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


def test_overlapping_regions_of_one_annotator_go_to_lanes_without_overlap(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes], tmp_path: Path) -> None:
    eaf = _open(tmp_path, export("eaf", schema, records))["clip 007.eaf"]
    # ann_a's s1 (160-2080) and s2 (1540-3000) overlap: ELAN allows no overlap inside a tier
    assert sorted(eaf.get_annotation_data_for_tier("speech/human/ann_a")) == [(160, 2080, "speech"), (4000, 5250, "speech")]
    assert sorted(eaf.get_annotation_data_for_tier("speech/human/ann_a#2")) == [(1540, 3000, "music")]
    for tier in eaf.get_tier_names():
        spans = sorted(eaf.get_annotation_data_for_tier(tier))
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), tier


def test_media_without_extension_get_a_real_mime_type_and_links_resolve_when_unpacked(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes], tmp_path: Path) -> None:
    video, audio = records[0]["streams"][:2]
    video["uri"], audio["uri"] = "assets/ab/abcd", "assets/cd/cdef"
    audio["container"] = "mp3"
    data = export("eaf", schema, records)
    # what an export with media included holds: the documents, and media/{uri} beside them
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(tmp_path)
    for uri in ("assets/ab/abcd", "assets/cd/cdef"):
        (tmp_path / "media" / uri).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "media" / uri).write_bytes(b"media")
    eaf = pympi.Elan.Eaf(str(tmp_path / "clip 007.eaf"))
    assert [(m["MIME_TYPE"], m["MEDIA_URL"]) for m in eaf.media_descriptors] == [
        ("video/mp4", "file:///media/assets/ab/abcd"), ("audio/mpeg", "file:///media/assets/cd/cdef")]
    for m in eaf.media_descriptors:
        assert (tmp_path / m["RELATIVE_MEDIA_URL"]).read_bytes() == b"media"
