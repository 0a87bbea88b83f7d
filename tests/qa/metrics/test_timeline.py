"""Time-sliced alpha: interval-weighted computation against the explicit tick matrix."""

import krippendorff
import numpy as np
import pytest

from qa.metrics import time_slice_matrix, time_sliced_alpha


def _random_annotations(rng: np.random.Generator, overlapping: bool) -> list[list[tuple[int, int, str]]]:
    out = []
    for _ in range(3):
        segs = []
        t = int(rng.integers(0, 300))
        while t < 9000:
            length = int(rng.integers(50, 1500))
            segs.append((t, t + length, str(rng.choice(["a", "b", "c"]))))
            t += length + (int(rng.integers(-400, 50)) if overlapping else int(rng.integers(0, 700)))
        out.append(segs)
    return out


def _tick_matrix_as_package_input(annotations: list[list[tuple[int, int, str]]], tick: float) -> np.ndarray:
    labels, ticks = time_slice_matrix(annotations, 10_000, tick)
    return np.where(ticks < 0, len(labels), ticks).astype(float)


@pytest.mark.parametrize("overlapping", [False, True])
@pytest.mark.parametrize("tick", [10, 7, 33])
def test_interval_weighting_equals_the_package_on_every_tick(overlapping: bool, tick: int) -> None:
    rng = np.random.default_rng(tick + overlapping)
    for _ in range(5):
        ann = _random_annotations(rng, overlapping)
        expected = krippendorff.alpha(
            reliability_data=_tick_matrix_as_package_input(ann, tick), level_of_measurement="nominal"
        )
        assert time_sliced_alpha(ann, 10_000, tick) == pytest.approx(expected, abs=1e-10)


def test_tick_matrix_marks_uncovered_time_and_the_topmost_overlapping_segment() -> None:
    labels, ticks = time_slice_matrix([[(10, 35, "x"), (20, 30, "y")], [(0, 50, "y")]], 50, 10)
    assert labels == ["x", "y"]
    # ticks at 0, 10, 20, 30, 40: the later-starting "y" covers 20; 30 is inside "x" only.
    assert ticks.tolist() == [[-1, 0, 1, 0, -1], [1, 1, 1, 1, 1]]


def test_identical_timelines_agree_perfectly() -> None:
    segs = [(0, 1000, "a"), (1500, 4000, "b")]
    assert time_sliced_alpha([segs, segs, list(segs)], 5000) == 1.0


def test_interval_level_treats_uncovered_time_as_missing() -> None:
    ann = [[(0, 40, 1), (40, 100, 3)], [(0, 50, 1), (60, 100, 4)], [(0, 30, 2), (30, 100, 3)]]
    labels, ticks = time_slice_matrix(ann, 100, 10)
    values = np.array(labels, dtype=float)
    data = np.where(ticks < 0, np.nan, values[np.clip(ticks, 0, None)])
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="interval")
    assert time_sliced_alpha(ann, 100, 10, level="interval") == pytest.approx(expected, abs=1e-12)


def test_interval_level_refuses_text_labels() -> None:
    with pytest.raises(ValueError, match="numeric labels"):
        time_sliced_alpha([[(0, 10, "a")], [(0, 10, "b")]], 20, level="interval")
