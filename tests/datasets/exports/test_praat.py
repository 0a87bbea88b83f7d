"""Praat TextGrids per item, read back with praatio."""

from __future__ import annotations

import io
import itertools
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tgt
from praatio import textgrid

from datasets.exports.praat import assign_lanes


def _grids(tmp_path: Path, data: bytes, empty: bool) -> dict[str, Any]:
    grids = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            path = tmp_path / name
            path.write_bytes(zf.read(name))
            grids[name] = textgrid.openTextgrid(str(path), includeEmptyIntervals=empty, reportingMode="error")
    return grids


def _ms(x: float) -> int:
    return round(x * 1000)


def _time_regions(record: dict[str, Any], kinds: dict[str, str]) -> set[tuple[str, str, str, int, int, str]]:
    out = set()
    for ann in record["annotations"]:
        for r in ann["regions"]:
            kind = kinds[r["track"]]
            if kind == "point":
                out.add((ann["kind"], ann["annotator"], r["track"], r["time_ms"], r["time_ms"], r["label"]))
            elif kind in ("segment", "transcript"):
                value = r["text"] if kind == "transcript" else r["label"]
                # a line break in a text is written as one space (tgt reads one line per field)
                out.add((ann["kind"], ann["annotator"], r["track"], r["start_ms"], r["end_ms"], value.replace("\n", " ")))
    return out


def test_lanes_split_only_where_intervals_overlap() -> None:
    lanes = assign_lanes([(0, 10, "a"), (5, 15, "b"), (10, 20, "c"), (12, 14, "d")], points=False)
    assert lanes == [[(0, 10, "a"), (10, 20, "c")], [(5, 15, "b")], [(12, 14, "d")]]
    assert assign_lanes([(5, 5, "x"), (5, 5, "y"), (6, 6, "z")], points=True) == [[(5, 5, "x"), (6, 6, "z")], [(5, 5, "y")]]


def test_interval_tiers_cover_the_whole_grid_without_gaps_or_overlaps(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes], tmp_path: Path) -> None:
    grids = _grids(tmp_path, export("textgrid", schema, records), empty=True)
    assert list(grids) == ["clip 007.TextGrid", "clip-008.TextGrid"]
    full = grids["clip 007.TextGrid"]
    assert (full.minTimestamp, full.maxTimestamp) == (0, 6.0)
    for name in full.tierNames:
        tier = full.getTier(name)
        if isinstance(tier, textgrid.IntervalTier):
            entries = tier.entries
            assert entries[0].start == 0 and entries[-1].end == 6.0
            assert all(a.end == b.start for a, b in itertools.pairwise(entries))


def test_overlapping_segments_of_one_annotator_go_to_a_second_lane(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes], tmp_path: Path) -> None:
    full = _grids(tmp_path, export("textgrid", schema, records), empty=False)["clip 007.TextGrid"]
    assert list(full.tierNames[:5]) == ["speech/human/ann_a", "speech/human/ann_a#2", "events/human/ann_a",
                                  "words/human/ann_a", "speech/human/ann_b"]
    assert [(_ms(e.start), _ms(e.end), e.label) for e in full.getTier("speech/human/ann_a").entries] == \
           [(160, 2080, "speech"), (4000, 5250, "speech")]
    assert [(_ms(e.start), _ms(e.end), e.label) for e in full.getTier("speech/human/ann_a#2").entries] == \
           [(1540, 3000, "music")]
    events = full.getTier("events/human/ann_a")
    assert isinstance(events, textgrid.PointTier)
    assert [(_ms(e.time), e.label) for e in events.entries] == [(1540, "clap"), (4200, "laugh")]


def test_every_time_region_is_in_the_textgrids_and_the_reader_returns_them(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes],
        read_back: Callable[..., list[dict[str, Any]]], tmp_path: Path) -> None:
    kinds = {t["name"]: t["kind"] for t in schema["tracks"]}
    data = export("textgrid", schema, records)
    for record, grid in zip(records, _grids(tmp_path, data, empty=False).values(), strict=True):
        seen = set()
        for name in grid.tierNames:
            track, kind, annotator = name.split("#")[0].split("/")
            for e in grid.getTier(name).entries:
                if isinstance(grid.getTier(name), textgrid.PointTier):
                    seen.add((kind, annotator, track, _ms(e.time), _ms(e.time), e.label))
                else:
                    seen.add((kind, annotator, track, _ms(e.start), _ms(e.end), e.label))
        assert seen == _time_regions(record, kinds)
    back = read_back("textgrid", data, schema)
    assert [_time_regions(r, kinds) for r in back] == [_time_regions(r, kinds) for r in records]
    assert [(r["external_id"], r["duration_ms"]) for r in back] == [("clip 007", 6000), ("clip-008", 3000)]


def test_texts_with_line_breaks_open_in_tgt(
        schema: dict[str, Any], records: list[dict[str, Any]], export: Callable[..., bytes], tmp_path: Path) -> None:
    data = export("textgrid", schema, records)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        (tmp_path / "sparse.TextGrid").write_bytes(zf.read("clip-008.TextGrid"))
    grid = tgt.io.read_textgrid(str(tmp_path / "sparse.TextGrid"), encoding="utf-8", include_empty_intervals=False)
    words = grid.get_tier_by_name("words/human/ann_a")
    assert [(_ms(a.start_time), _ms(a.end_time), a.text) for a in words.annotations] == [(500, 1250, "one two")]
