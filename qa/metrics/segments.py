"""Agreement on one segment track of a task: the steps behind a segment entry of `task_report`.

`SegmentTrack` holds what the steps share: the regions as arrays, the coded timeline, and the
per-label counts that the annotator pairs add up. The steps, in order: code each annotator's
regions; lay them on one timeline of ticks (time-sliced alpha, per-label binary alpha); match
every pair of annotators (F1, boundary errors, pairwise alpha, label confusion); pool the
per-label F1 over the pairs; Mathet's gamma when asked for.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qa.metrics.matching import assign, interval_iou, prf
from qa.metrics.params import AgreementParams
from qa.metrics.regions import Region, clean, label_index
from qa.metrics.reliability import alpha_from_coincidences, binary_alphas, coincidence_matrix
from qa.metrics.timeline import build_timeline

#: One annotator's segments: start times, end times, label codes.
Arrays = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]


@dataclass(frozen=True)
class SegmentMatching:
    """One annotator pair's matching, as index pairs into the reference's and candidate's arrays.

    `blind_*` ignores labels (what the confusion table counts); `ref`/`cand` match only equal labels
    (what F1 and the boundary errors count).
    """

    blind_ref: NDArray[np.intp]
    blind_cand: NDArray[np.intp]
    ref: NDArray[np.intp]
    cand: NDArray[np.intp]


def match_segments(ref: Arrays, cand: Arrays, iou: float) -> SegmentMatching:
    """Optimal one-to-one matchings of two annotators' segments at interval IoU >= `iou` (and > 0)."""
    q = interval_iou(ref[0], ref[1], cand[0], cand[1])
    eligible = (q >= iou) & (q > 0)
    ra, ca = np.nonzero(eligible)
    if np.bincount(ra).max(initial=0) <= 1 and np.bincount(ca).max(initial=0) <= 1:
        # No segment has two candidates: the label-blind optimum is every eligible pair, and
        # the same-label optimum is the subset of those with equal labels.
        same = ref[2][ra] == cand[2][ca]
        return SegmentMatching(ra, ca, ra[same], ca[same])
    ra, ca, _ = assign(q, eligible)
    r, c, _ = assign(q, eligible & (ref[2][:, None] == cand[2][None, :]))
    return SegmentMatching(ra, ca, r, c)


def boundary_errors(ref: Arrays, cand: Arrays, r: NDArray[np.intp], c: NDArray[np.intp]) -> dict[str, float | None]:
    """Mean absolute and signed onset/offset differences (candidate - reference) of matched segments."""
    d_on = cand[0][c] - ref[0][r]
    d_off = cand[1][c] - ref[1][r]
    nm = len(r)
    if nm == 0:
        return {"onset_error_ms": None, "offset_error_ms": None, "onset_bias_ms": None, "offset_bias_ms": None}
    return {
        "onset_error_ms": float(np.abs(d_on).sum()) / nm,
        "offset_error_ms": float(np.abs(d_off).sum()) / nm,
        "onset_bias_ms": float(d_on.sum()) / nm,
        "offset_bias_ms": float(d_off.sum()) / nm,
    }


def confusion(
    labels: list[Hashable], ref_codes: NDArray[np.int64], cand_codes: NDArray[np.int64],
    counts_r: NDArray[np.int64], counts_c: NDArray[np.int64],
) -> dict[str, Any]:
    """Label table of a label-blind matching (matched codes given), plus what stayed unmatched."""
    k = len(labels)
    mat = np.bincount(ref_codes * k + cand_codes, minlength=k * k).reshape(k, k)
    lost_r = counts_r - mat.sum(axis=1)
    lost_c = counts_c - mat.sum(axis=0)
    nz_rows, nz_cols = np.nonzero(mat)
    table: dict[str, dict[str, int]] = {}
    for i, j in zip(nz_rows.tolist(), nz_cols.tolist()):
        table.setdefault(str(labels[i]), {})[str(labels[j])] = int(mat[i, j])
    return {
        "matrix": table,
        "swapped": int(len(ref_codes) - np.trace(mat)),
        "unmatched_reference": {str(labels[i]): v for i, v in enumerate(lost_r.tolist()) if v},
        "unmatched_candidate": {str(labels[i]): v for i, v in enumerate(lost_c.tolist()) if v},
    }


@dataclass
class LabelTotals:
    """Per-label counts pooled over every annotator pair: same-label matches and regions on each side."""

    tp: NDArray[np.float64]
    n_a: NDArray[np.float64]
    n_b: NDArray[np.float64]

    @classmethod
    def zeros(cls, k: int) -> LabelTotals:
        return cls(np.zeros(k), np.zeros(k), np.zeros(k))

    def add(self, tp: NDArray[np.int64], n_a: NDArray[np.int64], n_b: NDArray[np.int64]) -> None:
        self.tp += tp
        self.n_a += n_a
        self.n_b += n_b

    def entry(self, x: int, alpha: float | None) -> dict[str, Any]:
        """Label `x`'s pooled figures: its binary alpha (given) and its F1 over all pairs."""
        n = self.n_a[x] + self.n_b[x]
        return {"alpha": alpha, "f1": clean(2.0 * self.tp[x] / n) if n else None,
                "tp": int(self.tp[x]), "n_a": int(self.n_a[x]), "n_b": int(self.n_b[x])}


class SegmentTrack:
    """The regions of one segment track, by annotator, measured step by step (see the module doc)."""

    def __init__(
        self, track: Mapping[str, Any], names: list[str], regs: list[Sequence[Region]], duration_ms: float,
        params: AgreementParams,
    ) -> None:
        self.names = names
        self.regs = regs
        self.params = params
        self.labels = label_index(track, regs)
        self.k = len(self.labels)
        self.arrays = self._code_regions()
        self.per_label = [np.bincount(a[2], minlength=self.k) for a in self.arrays]
        self.codes, self.weights = self._timeline(duration_ms)
        self.coincidences = coincidence_matrix(self.codes, self.k + 1, self.weights)
        self.totals = LabelTotals.zeros(self.k)

    def _code_regions(self) -> list[Arrays]:
        index = {lab: i for i, lab in enumerate(self.labels)}
        arrays: list[Arrays] = []
        for rr in self.regs:
            n = len(rr)
            arrays.append((
                np.fromiter((r["start_ms"] for r in rr), np.float64, n),
                np.fromiter((r["end_ms"] for r in rr), np.float64, n),
                np.fromiter((index[r.get("label")] for r in rr), np.int64, n),
            ))
        return arrays

    def _timeline(self, duration_ms: float) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Label codes per annotator and slice (uncovered time is code k), and each slice's ticks."""
        tl = build_timeline(self.arrays, self.labels, duration_ms, self.params.tick_ms)
        return np.where(tl.codes < 0, self.k, tl.codes), tl.ticks.astype(np.float64)

    def _pair_alpha(self, i: int, j: int) -> float | None:
        k1 = self.k + 1
        p_o = np.asarray(
            np.bincount(self.codes[i] * k1 + self.codes[j], weights=self.weights, minlength=k1**2), dtype=np.float64
        ).reshape(k1, k1)
        return clean(alpha_from_coincidences(p_o + p_o.T))

    def _pair(self, i: int, j: int) -> dict[str, Any]:
        """Annotator i (the reference) against annotator j; adds the pair's counts to the totals."""
        ref, cand = self.arrays[i], self.arrays[j]
        m = match_segments(ref, cand, self.params.iou)
        precision, recall, f1 = prf(len(m.ref), len(ref[0]), len(cand[0]))
        counts_tp = np.bincount(ref[2][m.ref], minlength=self.k)
        counts_r, counts_c = self.per_label[i], self.per_label[j]
        self.totals.add(counts_tp, counts_r, counts_c)
        return {
            "a": self.names[i], "b": self.names[j], "score": f1, "alpha": self._pair_alpha(i, j),
            "precision": precision, "recall": recall, "f1": f1, "matched": len(m.ref),
            **boundary_errors(ref, cand, m.ref, m.cand),
            "labels": {
                str(self.labels[x]): {"tp": int(counts_tp[x]), "n_a": int(counts_r[x]), "n_b": int(counts_c[x])}
                for x in range(self.k) if counts_r[x] or counts_c[x]
            },
            "confusion": confusion(self.labels, ref[2][m.blind_ref], cand[2][m.blind_cand], counts_r, counts_c),
        }

    def _gamma(self) -> dict[str, Any] | None:
        from qa.metrics.gamma import gamma_agreement

        units = [(n, r["start_ms"], r["end_ms"], r.get("label")) for n, rr in zip(self.names, self.regs) for r in rr]
        try:
            return gamma_agreement(units, seed=self.params.gamma_seed)
        except ValueError:
            return None

    def report(self) -> dict[str, Any]:
        """The track's entry of a task report."""
        pairs = [self._pair(i, j) for i, j in combinations(range(len(self.names)), 2)]
        label_alpha = binary_alphas(self.coincidences, self.k)
        alpha = clean(alpha_from_coincidences(self.coincidences))
        out: dict[str, Any] = {
            "kind": "segment",
            "score": alpha,
            "alpha": alpha,
            "labels": {str(self.labels[x]): self.totals.entry(x, label_alpha[x]) for x in range(self.k)},
            "pairs": pairs,
            "coincidences": {"categories": [str(lab) for lab in self.labels], "matrix": self.coincidences.tolist()},
        }
        if self.params.gamma:
            out["gamma"] = self._gamma()
        return out
