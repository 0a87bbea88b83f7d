"""Face redaction suggestions: the bundled cascade on a generated video of a drawn face, and the
linking and keyframing on detections given by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from annotation.prelabel import faces
from annotation.prelabel.base import check_region
from annotation.prelabel.tracking import grow, iou, keyframes, link
from datasets.media.redact import plan_from_regions
from tests.annotation.prelabel.conftest import FACE_FRAMES, FPS, face_position

OPTIONS = {"track": "redact", "label": "face"}


def test_a_drawn_face_moving_across_the_frame_becomes_one_keyframed_box_track_covering_it(face_video: Path) -> None:
    [result] = faces.run([{"video": str(face_video), "duration_ms": 2360, "offset_ms": 1000}], device="cpu",
                         options=OPTIONS)
    assert result.error is None
    [region] = result.regions
    check_region(region, "redact")
    assert (region["id"], region["track"], region["label"], region["score"]) == ("faces-1", "redact", "face", 1.0)
    times = [k["time_ms"] - 1000 for k in region["keyframes"]]
    # sampled at 0, 200, 400…: seen from 400 to 1800 ms, held one period (200 ms) each side
    assert times[0] == 200 and times[-1] == 2000
    assert len(times) < 10  # linear motion thins to a few keyframes
    plan = plan_from_regions([region], offset_ms=1000)
    for frame in range(FACE_FRAMES[0], FACE_FRAMES[1] + 1):
        [box] = plan.boxes_at(frame * 1000 // FPS, 20)
        x, y = face_position(frame)
        # the eyes, nose and mouth of the 100 px face are inside the suggested box on every frame
        core = ((x + 25) / 320, (y + 28) / 240, (x + 75) / 320, (y + 80) / 240)
        assert box[0] <= core[0] and box[1] <= core[1], frame
        assert box[0] + box[2] >= core[2] and box[1] + box[3] >= core[3], frame
    assert plan.boxes_at(0, 20) == [] and plan.boxes_at(2200, 20) == []


def test_no_face_no_suggestion(tmp_path: Path, titled_video: Path) -> None:
    [result] = faces.run([{"video": str(titled_video)}], device="cpu", options=OPTIONS)
    assert result.error is None and result.regions == []


def test_bad_options_and_unreadable_files_fail_their_items_only(corrupt_file: Path) -> None:
    [bad] = faces.run([{"video": "x.mp4"}], device="cpu", options={**OPTIONS, "samples_per_second": 0})
    assert bad.error == "ValueError: option 'samples_per_second' must be in (0, 60]"
    [missing] = faces.run([{"video": str(corrupt_file)}], device="cpu", options=OPTIONS)
    assert missing.error is not None and missing.regions == []


def _frames(boxes_by_time: dict[int, list[Any]]) -> list[tuple[int, list[Any]]]:
    return sorted(boxes_by_time.items())


def test_link_follows_overlapping_boxes_and_splits_apart_ones() -> None:
    a = [(0.1 + 0.01 * i, 0.1, 0.2, 0.2) for i in range(5)]
    b = [(0.7 - 0.01 * i, 0.6, 0.2, 0.2) for i in range(5)]
    tracks = link(_frames({i * 200: [b[i], a[i]] for i in range(5)}))
    assert [[box for _, box in t.samples] for t in tracks] == [a, b]


def test_link_closes_a_track_after_the_gap_and_opens_a_new_one() -> None:
    box = (0.4, 0.4, 0.2, 0.2)
    tracks = link([(0, [box]), (200, [box]), (1400, [box])], max_gap_ms=1000)
    assert [[t for t, _ in tr.samples] for tr in tracks] == [[0, 200], [1400]]


def test_keyframes_keep_turns_and_drop_points_on_a_line() -> None:
    line = [(t, (t / 10000, 0.1, 0.2, 0.2)) for t in range(0, 2001, 200)]
    assert [t for t, _ in keyframes(line, 0.001)] == [0, 2000]
    turn = [(t, (min(t, 1000) / 10000, 0.1, 0.2, 0.2)) for t in range(0, 2001, 200)]
    assert [t for t, _ in keyframes(turn, 0.001)] == [0, 1000, 2000]


def test_face_regions_drop_tracks_seen_once_and_hold_the_rest() -> None:
    seen = {0: [], 200: [(0.5, 0.5, 0.1, 0.1)], 400: [(0.1, 0.1, 0.2, 0.2)], 600: [(0.1, 0.1, 0.2, 0.2)], 800: []}
    regions = faces.face_regions([(t, t) for t in seen], lambda t: seen[t], period_ms=200, duration_ms=700,
                                 margin=0.0)
    [region] = regions
    assert [k["time_ms"] for k in region["keyframes"]] == [200, 700]
    assert region["score"] == 1.0


def test_grow_and_iou() -> None:
    assert grow((0.1, 0.2, 0.2, 0.4), 0.25) == pytest.approx((0.05, 0.1, 0.3, 0.6))
    assert grow((0.0, 0.9, 0.2, 0.1), 0.5) == pytest.approx((0.0, 0.85, 0.3, 0.15))
    assert iou((0, 0, 0.2, 0.2), (0.1, 0, 0.2, 0.2)) == pytest.approx(1 / 3)
    assert iou((0, 0, 0.1, 0.1), (0.5, 0.5, 0.1, 0.1)) == 0.0
