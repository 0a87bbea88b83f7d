"""One-to-one matching of regions between a reference and a candidate: segments, points, boxes.

All matchers share one rule: a pair is eligible when it has the same label (unless labels are
ignored) and passes the threshold; among eligible pairs the Hungarian algorithm
(`scipy.optimize.linear_sum_assignment`) first maximises the number of matched pairs and then the
total quality (IoU, or closeness for points). Cardinality comes first because F1 counts matches;
quality only breaks ties between equally large matchings.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

Pairs = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]


@dataclass(frozen=True)
class MatchResult:
    """Precision/recall/F1 of a matching plus the matched (reference, candidate, quality) pairs.

    Timing errors are means over matched pairs (None without matches): `onset_error_ms` and
    `offset_error_ms` are absolute, the `_bias_ms` ones signed (candidate minus reference).
    """

    precision: float
    recall: float
    f1: float
    n_reference: int
    n_candidate: int
    pairs: list[tuple[int, int, float]] = field(default_factory=list)
    onset_error_ms: float | None = None
    offset_error_ms: float | None = None
    onset_bias_ms: float | None = None
    offset_bias_ms: float | None = None

    @property
    def matched(self) -> int:
        """Number of matched pairs."""
        return len(self.pairs)


def prf(tp: int, n_ref: int, n_cand: int) -> tuple[float, float, float]:
    """Precision, recall, F1; an empty side counts as fully agreed (nothing to find, nothing wrong)."""
    precision = tp / n_cand if n_cand else 1.0
    recall = tp / n_ref if n_ref else 1.0
    f1 = 2.0 * tp / (n_ref + n_cand) if (n_ref + n_cand) else 1.0
    return precision, recall, f1


def assign(quality: NDArray[np.float64], eligible: NDArray[np.bool_]) -> Pairs:
    """Maximum-cardinality, then maximum-quality, one-to-one assignment over eligible pairs.

    Quality must lie in [0, 1]; adding K = min(n, m) + 1 to eligible entries makes one more pair
    always worth more than any gain in quality.
    """
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    if quality.size == 0 or not eligible.any():
        return empty
    if eligible.sum(axis=0).max() <= 1 and eligible.sum(axis=1).max() <= 1:
        # Every candidate pair is disjoint from the others (the usual case for IoU >= 0.5 on
        # non-overlapping segments): taking all of them is the optimum, no assignment needed.
        r, c = np.nonzero(eligible)
        return r.astype(np.int64), c.astype(np.int64), quality[r, c]
    rows = np.flatnonzero(eligible.any(axis=1))
    cols = np.flatnonzero(eligible.any(axis=0))
    sub_q = quality[np.ix_(rows, cols)]
    sub_e = eligible[np.ix_(rows, cols)]
    k = min(len(rows), len(cols)) + 1.0
    weight = np.where(sub_e, k + sub_q, 0.0)
    from scipy.optimize import linear_sum_assignment  # about 44 MB resident: loaded only when pairs overlap

    r, c = linear_sum_assignment(weight, maximize=True)
    ok = sub_e[r, c]
    r, c = r[ok], c[ok]
    return rows[r].astype(np.int64), cols[c].astype(np.int64), sub_q[r, c]


def interval_iou(
    s1: NDArray[np.float64], e1: NDArray[np.float64], s2: NDArray[np.float64], e2: NDArray[np.float64]
) -> NDArray[np.float64]:
    """IoU of every interval in the first set with every interval in the second (n x m)."""
    inter = np.maximum(np.minimum.outer(e1, e2) - np.maximum.outer(s1, s2), 0.0)
    union = (e1 - s1)[:, None] + (e2 - s2)[None, :] - inter
    iou: NDArray[np.float64] = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return iou


def match_intervals(
    ref: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]],
    cand: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]],
    iou: float = 0.5,
    use_labels: bool = True,
) -> Pairs:
    """Match coded intervals (starts, ends, label codes); eligible when IoU >= iou (and > 0)."""
    q = interval_iou(ref[0], ref[1], cand[0], cand[1])
    eligible = (q >= iou) & (q > 0)
    if use_labels:
        eligible &= ref[2][:, None] == cand[2][None, :]
    return assign(q, eligible)


def _timing(ref_v: NDArray[np.float64], cand_v: NDArray[np.float64]) -> tuple[float | None, float | None]:
    if len(ref_v) == 0:
        return None, None
    d = cand_v - ref_v
    return float(np.abs(d).mean()), float(d.mean())


def _codes(items: Sequence[Sequence[Any]], label_pos: int, index: dict[Hashable, int]) -> NDArray[np.int64]:
    for it in items:
        index.setdefault(it[label_pos], len(index))
    return np.fromiter((index[it[label_pos]] for it in items), dtype=np.int64, count=len(items))


def segment_f1(
    reference: Sequence[tuple[float, float, Hashable]],
    candidate: Sequence[tuple[float, float, Hashable]],
    iou: float = 0.5,
) -> MatchResult:
    """F1 of candidate segments (start_ms, end_ms, label) against reference ones, matched one-to-one.

    Same-label pairs with IoU >= `iou` are eligible; onset/offset errors are over matched pairs.
    """
    index: dict[Hashable, int] = {}
    rs = np.array([x[0] for x in reference], dtype=np.float64)
    re_ = np.array([x[1] for x in reference], dtype=np.float64)
    cs = np.array([x[0] for x in candidate], dtype=np.float64)
    ce = np.array([x[1] for x in candidate], dtype=np.float64)
    r, c, q = match_intervals((rs, re_, _codes(reference, 2, index)), (cs, ce, _codes(candidate, 2, index)), iou)
    p, rec, f = prf(len(r), len(reference), len(candidate))
    on, on_b = _timing(rs[r], cs[c])
    off, off_b = _timing(re_[r], ce[c])
    return MatchResult(
        p, rec, f, len(reference), len(candidate),
        [(int(a), int(b), float(x)) for a, b, x in zip(r, c, q)], on, off, on_b, off_b,
    )


def match_points(
    ref: tuple[NDArray[np.float64], NDArray[np.int64]],
    cand: tuple[NDArray[np.float64], NDArray[np.int64]],
    tolerance_ms: float,
) -> Pairs:
    """Match coded instants: same label and |dt| <= tolerance; quality is closeness in [0, 1]."""
    dt = np.abs(np.subtract.outer(ref[0], cand[0]))
    eligible = (dt <= tolerance_ms) & (ref[1][:, None] == cand[1][None, :])
    quality = 1.0 - dt / (tolerance_ms + 1.0)
    return assign(np.clip(quality, 0.0, 1.0), eligible)


def point_f1(
    reference: Sequence[tuple[float, Hashable]],
    candidate: Sequence[tuple[float, Hashable]],
    tolerance_ms: float = 100.0,
) -> MatchResult:
    """F1 of labelled instants (time_ms, label) matched one-to-one within a time tolerance."""
    index: dict[Hashable, int] = {}
    rt = np.array([x[0] for x in reference], dtype=np.float64)
    ct = np.array([x[0] for x in candidate], dtype=np.float64)
    r, c, q = match_points((rt, _codes(reference, 1, index)), (ct, _codes(candidate, 1, index)), tolerance_ms)
    p, rec, f = prf(len(r), len(reference), len(candidate))
    on, on_b = _timing(rt[r], ct[c])
    return MatchResult(
        p, rec, f, len(reference), len(candidate),
        [(int(a), int(b), float(x)) for a, b, x in zip(r, c, q)], on, None, on_b, None,
    )


def box_iou(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """IoU of boxes given as rows (x, y, w, h), every row of `a` with every row of `b`."""
    ix = np.clip(
        np.minimum.outer(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - np.maximum.outer(a[:, 0], b[:, 0]), 0.0, None
    )
    iy = np.clip(
        np.minimum.outer(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - np.maximum.outer(a[:, 1], b[:, 1]), 0.0, None
    )
    inter = ix * iy
    union = (a[:, 2] * a[:, 3])[:, None] + (b[:, 2] * b[:, 3])[None, :] - inter
    iou: NDArray[np.float64] = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return iou


def match_boxes(
    ref: tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]],
    cand: tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]],
    iou: float,
) -> Pairs:
    """Match coded boxes (frame times, label codes, n x 4 xywh) within the same frame.

    Frames make the eligibility matrix block-diagonal, so one assignment over all boxes equals
    per-frame assignments.
    """
    q = box_iou(ref[2], cand[2])
    eligible = (q >= iou) & (q > 0) & (ref[0][:, None] == cand[0][None, :]) & (ref[1][:, None] == cand[1][None, :])
    return assign(q, eligible)


def box_f1(
    reference: Sequence[tuple[float, Hashable, float, float, float, float]],
    candidate: Sequence[tuple[float, Hashable, float, float, float, float]],
    iou: float = 0.5,
) -> MatchResult:
    """F1 of boxes (time_ms, label, x, y, w, h), matched one-to-one per frame on IoU >= `iou`."""
    index: dict[Hashable, int] = {}

    def arrays(items: Sequence[Sequence[Any]]) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
        t = np.array([x[0] for x in items], dtype=np.float64)
        xywh = np.array([x[2:6] for x in items], dtype=np.float64).reshape(len(items), 4)
        return t, _codes(items, 1, index), xywh

    r, c, q = match_boxes(arrays(reference), arrays(candidate), iou)
    p, rec, f = prf(len(r), len(reference), len(candidate))
    return MatchResult(p, rec, f, len(reference), len(candidate), [(int(a), int(b), float(x)) for a, b, x in zip(r, c, q)])
