"""Shot segments from known cut lists."""

from __future__ import annotations

import itertools

from annotation.prelabel import shots
from annotation.prelabel.base import check_region

OPTIONS = {"track": "shots", "label": "shot"}


def test_known_cuts_become_consecutive_segments_covering_the_stream() -> None:
    cuts, duration = [4000, 1500, 7240], 9000
    [result] = shots.run([{"boundaries_ms": cuts, "duration_ms": duration, "offset_ms": 40}], device="cpu", options=OPTIONS)
    edges = [0, *sorted(cuts), duration]
    assert [(r["start_ms"], r["end_ms"]) for r in result.regions] == [
        (a + 40, b + 40) for a, b in itertools.pairwise(edges)
    ]
    assert [r["id"] for r in result.regions] == [f"shots-{i}" for i in range(1, len(edges))]
    for region in result.regions:
        check_region(region, "segment")


def test_cuts_at_the_edges_and_repeats_add_no_empty_shot() -> None:
    assert shots.shot_intervals([0, 500, 500, 1000], 1000) == [(0, 500), (500, 1000)]
    assert shots.shot_intervals([], 800) == [(0, 800)]


def test_a_cut_outside_the_stream_fails_only_its_item() -> None:
    good, bad = shots.run(
        [{"boundaries_ms": [100], "duration_ms": 200}, {"boundaries_ms": [300], "duration_ms": 200}],
        device="cpu",
        options=OPTIONS,
    )
    assert [(r["start_ms"], r["end_ms"]) for r in good.regions] == [(0, 100), (100, 200)]
    assert bad.error == "ValueError: boundaries outside 0..200 ms: [300]"
