"""Segment, point and box F1 with one-to-one matching."""

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from qa.metrics import box_f1, point_f1, segment_f1
from qa.metrics.matching import assign


def test_segment_f1_counts_same_label_matches_and_boundary_errors() -> None:
    ref = [(0, 1000, "a"), (2000, 3000, "b"), (5000, 6000, "a")]
    cand = [(100, 1100, "a"), (2000, 2800, "b"), (5000, 6000, "b"), (8000, 9000, "a")]
    m = segment_f1(ref, cand)
    # (0,1000)~(100,1100): IoU 900/1100; (2000,3000)~(2000,2800): IoU .8; third differs in label.
    assert [(a, b) for a, b, _ in m.pairs] == [(0, 0), (1, 1)]
    assert m.pairs[0][2] == pytest.approx(900 / 1100)
    assert (m.precision, m.recall, m.f1) == (0.5, 2 / 3, 4 / 7)
    assert m.onset_error_ms == 50.0
    assert m.offset_error_ms == 150.0
    assert m.onset_bias_ms == 50.0
    assert m.offset_bias_ms == -50.0


def test_segment_f1_threshold_excludes_weak_overlaps() -> None:
    m = segment_f1([(0, 1000, "a")], [(600, 1600, "a")], iou=0.5)
    assert m.matched == 0 and m.f1 == 0.0 and m.onset_error_ms is None


def test_empty_sides_count_as_agreement() -> None:
    assert segment_f1([], []).f1 == 1.0


def test_assignment_prefers_more_pairs_over_more_overlap() -> None:
    # One long candidate overlaps two references well; a plain IoU maximiser may pick the pairing
    # with fewer matches, ours must match both references.
    q = np.array([[0.9, 0.5], [0.6, 0.0]])
    eligible = q > 0
    r, c, _ = assign(q, eligible)
    assert sorted(zip(r.tolist(), c.tolist())) == [(0, 1), (1, 0)]
    lr, lc = linear_sum_assignment(q, maximize=True)
    assert q[lr, lc].sum() == pytest.approx(1.1)  # the same optimum here, cross-checked with scipy


def test_point_f1_matches_within_tolerance_one_to_one() -> None:
    ref = [(1000, "clap"), (2000, "clap"), (3000, "knock")]
    cand = [(1040, "clap"), (1060, "clap"), (3300, "knock")]
    m = point_f1(ref, cand, tolerance_ms=100)
    assert [(a, b) for a, b, _ in m.pairs] == [(0, 0)]
    assert m.onset_error_ms == 40.0
    assert (m.precision, m.recall) == (1 / 3, 1 / 3)


def test_box_f1_matches_per_frame_only() -> None:
    ref = [(0, "face", 0.1, 0.1, 0.2, 0.2), (40, "face", 0.5, 0.5, 0.2, 0.2)]
    cand = [(0, "face", 0.12, 0.1, 0.2, 0.2), (40, "face", 0.1, 0.1, 0.2, 0.2)]
    m = box_f1(ref, cand)
    # frame 0: intersection .18*.2 = .036, union .08 - .036 = .044 -> IoU .818; frame 40: no overlap.
    assert [(a, b) for a, b, _ in m.pairs] == [(0, 0)]
    assert m.pairs[0][2] == pytest.approx(0.036 / 0.044)
    assert m.f1 == 0.5
