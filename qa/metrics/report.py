"""Agreement report for one task, from the label schema and each annotator's result (plain data).

Input shapes are the contracts in docs/architecture.md: `schema = {"tracks": [...]}` and, per
annotator, a result `{"regions": [...]}` (or the bare region list). Each track is measured the way
its kind demands; the output is a JSON-serialisable dict (no NaN: undefined values are None).

Pair entries are ordered (a, b) with a as the reference; annotators are in sorted order, so the
first-named annotator of a pair is the reference. Every pair entry has a "score" in comparable
units (F1, or 1 - WER) that the project aggregator turns into annotator x annotator matrices.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from itertools import combinations, pairwise
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qa.metrics.matching import assign, interval_iou, match_boxes, match_points, prf
from qa.metrics.measures import pair_measures, task_measure
from qa.metrics.reliability import alpha_from_coincidences, coincidence_matrix
from qa.metrics.text import normalize_transcript, span_f1, token_kappa, tokenize, word_error_rate
from qa.metrics.timeline import build_timeline

Region = Mapping[str, Any]
Arrays = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]


def clean(x: float | None) -> float | None:
    """A float for JSON: NaN and infinities become None."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _mean(values: Sequence[Any]) -> float | None:
    v = [x for x in values if x is not None]
    return float(sum(v) / len(v)) if v else None


def _regions(result: Any) -> Sequence[Region]:
    if isinstance(result, Mapping):
        return result.get("regions", [])  # type: ignore[no-any-return]
    return result  # type: ignore[no-any-return]


def _label_index(track: Mapping[str, Any], per_annotator: Sequence[Sequence[Region]]) -> list[Hashable]:
    labels: list[Hashable] = [lab["value"] for lab in track.get("labels", [])]
    known = set(labels)
    extra = sorted({r.get("label") for regs in per_annotator for r in regs} - known, key=repr)
    return labels + extra


def _binary_alphas(o: NDArray[np.float64], n_labels: int) -> list[float | None]:
    """Nominal alpha of 'this label vs anything else' for each label, from the coincidence matrix.

    Collapsing to two categories gives D_o = 2 (r - a) and D_e = 2 r (n - r) / (n - 1), where a is
    the label's diagonal cell and r its row total, so every label costs a few array operations.
    """
    rows = o.sum(axis=1)[:n_labels]
    n = float(o.sum())
    a = np.diag(o)[:n_labels]
    denom = rows * (n - rows)
    ok = denom > 0
    alpha = np.full(n_labels, np.nan)
    alpha[ok] = 1.0 - (rows[ok] - a[ok]) * (n - 1.0) / denom[ok]
    return [None if math.isnan(x) else x for x in alpha.tolist()]


def _confusion(
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


def _segment_track(
    track: Mapping[str, Any], names: list[str], regs: list[Sequence[Region]], duration_ms: float, opts: dict[str, Any]
) -> dict[str, Any]:
    labels: list[Hashable] = [lab["value"] for lab in track.get("labels", [])]
    index = {lab: i for i, lab in enumerate(labels)}
    if any(r.get("label") not in index for rr in regs for r in rr):
        labels = _label_index(track, regs)
        index = {lab: i for i, lab in enumerate(labels)}
    k = len(labels)
    arrays: list[Arrays] = []
    for rr in regs:
        n = len(rr)
        arrays.append((
            np.fromiter((r["start_ms"] for r in rr), np.float64, n),
            np.fromiter((r["end_ms"] for r in rr), np.float64, n),
            np.fromiter((index[r.get("label")] for r in rr), np.int64, n),
        ))
    tl = build_timeline(arrays, labels, duration_ms, opts["tick_ms"])
    codes = np.where(tl.codes < 0, k, tl.codes)
    w = tl.ticks.astype(np.float64)
    o = coincidence_matrix(codes, k + 1, w)
    label_alpha = _binary_alphas(o, k)
    tp = np.zeros(k)
    n_ref = np.zeros(k)
    n_cand = np.zeros(k)
    per_label = [np.bincount(a[2], minlength=k) for a in arrays]
    pairs = []
    for i, j in combinations(range(len(names)), 2):
        p_o = np.asarray(
            np.bincount(codes[i] * (k + 1) + codes[j], weights=w, minlength=(k + 1) ** 2), dtype=np.float64
        ).reshape(k + 1, k + 1)
        ref, cand = arrays[i], arrays[j]
        q = interval_iou(ref[0], ref[1], cand[0], cand[1])
        eligible = (q >= opts["iou"]) & (q > 0)
        ra, ca = np.nonzero(eligible)
        if np.bincount(ra).max(initial=0) <= 1 and np.bincount(ca).max(initial=0) <= 1:
            # No segment has two candidates: the label-blind optimum is every eligible pair, and
            # the same-label optimum is the subset of those with equal labels.
            same = ref[2][ra] == cand[2][ca]
            r, c = ra[same], ca[same]
        else:
            ra, ca, _ = assign(q, eligible)
            r, c, _ = assign(q, eligible & (ref[2][:, None] == cand[2][None, :]))
        precision, recall, f1 = prf(len(r), len(ref[0]), len(cand[0]))
        counts_tp = np.bincount(ref[2][r], minlength=k)
        counts_r, counts_c = per_label[i], per_label[j]
        tp += counts_tp
        n_ref += counts_r
        n_cand += counts_c
        d_on = cand[0][c] - ref[0][r]
        d_off = cand[1][c] - ref[1][r]
        nm = len(r)
        has = nm > 0
        pairs.append({
            "a": names[i], "b": names[j], "score": f1,
            "alpha": clean(alpha_from_coincidences(p_o + p_o.T)),
            "precision": precision, "recall": recall, "f1": f1, "matched": len(r),
            "onset_error_ms": float(np.abs(d_on).sum()) / nm if has else None,
            "offset_error_ms": float(np.abs(d_off).sum()) / nm if has else None,
            "onset_bias_ms": float(d_on.sum()) / nm if has else None,
            "offset_bias_ms": float(d_off.sum()) / nm if has else None,
            "labels": {
                str(labels[x]): {"tp": int(counts_tp[x]), "n_a": int(counts_r[x]), "n_b": int(counts_c[x])}
                for x in range(k) if counts_r[x] or counts_c[x]
            },
            "confusion": _confusion(labels, ref[2][ra], cand[2][ca], counts_r, counts_c),
        })
    alpha = clean(alpha_from_coincidences(o))
    out: dict[str, Any] = {
        "kind": "segment",
        "score": alpha,
        "alpha": alpha,
        "labels": {
            str(labels[x]): {
                "alpha": label_alpha[x],
                "f1": clean(2.0 * tp[x] / (n_ref[x] + n_cand[x])) if (n_ref[x] + n_cand[x]) else None,
                "tp": int(tp[x]), "n_a": int(n_ref[x]), "n_b": int(n_cand[x]),
            }
            for x in range(k)
        },
        "pairs": pairs,
        "coincidences": {"categories": [str(lab) for lab in labels], "matrix": o.tolist()},
    }
    if opts["gamma"]:
        from qa.metrics.gamma import gamma_agreement

        units = [(n, r["start_ms"], r["end_ms"], r.get("label")) for n, rr in zip(names, regs) for r in rr]
        try:
            out["gamma"] = gamma_agreement(units, seed=opts["gamma_seed"])
        except ValueError:
            out["gamma"] = None
    return out


def _point_track(
    track: Mapping[str, Any], names: list[str], regs: list[Sequence[Region]], opts: dict[str, Any]
) -> dict[str, Any]:
    labels = _label_index(track, regs)
    index = {lab: i for i, lab in enumerate(labels)}
    arrays = [
        (np.array([r["time_ms"] for r in rr], dtype=np.float64), np.array([index[r.get("label")] for r in rr], np.int64))
        for rr in regs
    ]
    pairs = []
    for i, j in combinations(range(len(names)), 2):
        r, c, _ = match_points(arrays[i], arrays[j], opts["tolerance_ms"])
        precision, recall, f1 = prf(len(r), len(arrays[i][0]), len(arrays[j][0]))
        dt = arrays[j][0][c] - arrays[i][0][r]
        pairs.append({
            "a": names[i], "b": names[j], "score": f1, "precision": precision, "recall": recall, "f1": f1,
            "matched": len(r), "time_error_ms": float(np.abs(dt).mean()) if len(r) else None,
        })
    return {"kind": "point", "score": _mean([p["score"] for p in pairs]), "tolerance_ms": opts["tolerance_ms"],
            "pairs": pairs}


def _transcript_track(names: list[str], regs: list[Sequence[Region]]) -> dict[str, Any]:
    texts = [
        normalize_transcript(" ".join(r.get("text", "") for r in sorted(rr, key=lambda r: r.get("start_ms", 0))))
        for rr in regs
    ]
    pairs = []
    for i, j in combinations(range(len(names)), 2):
        try:
            ab: float | None = word_error_rate(texts[i], texts[j])
        except ValueError:
            ab = None
        try:
            ba: float | None = word_error_rate(texts[j], texts[i])
        except ValueError:
            ba = None
        m = _mean([ab, ba])
        pairs.append({"a": names[i], "b": names[j], "wer": ab, "wer_reverse": ba,
                      "score": max(0.0, 1.0 - m) if m is not None else None})
    return {"kind": "transcript", "score": _mean([p["score"] for p in pairs]), "pairs": pairs}


def _span_track(
    track: Mapping[str, Any], names: list[str], regs: list[Sequence[Region]], texts: Mapping[str, str]
) -> dict[str, Any]:
    spans = [[(int(r["start_char"]), int(r["end_char"]), r.get("label")) for r in rr] for rr in regs]
    text = texts.get(track.get("stream", ""))
    if text is not None:
        tokens = tokenize(text)
    else:
        # Without the text, the pieces between span boundaries are the finest common units.
        cuts = sorted({b for ss in spans for s in ss for b in (s[0], s[1])})
        tokens = list(pairwise(cuts))
    pairs = []
    for i, j in combinations(range(len(names)), 2):
        exact = span_f1(spans[i], spans[j], "exact")
        overlap = span_f1(spans[i], spans[j], "overlap")
        kappa = clean(token_kappa(spans[i], spans[j], tokens)) if tokens else None
        pairs.append({"a": names[i], "b": names[j], "score": exact.f1, "f1_exact": exact.f1,
                      "f1_overlap": overlap.f1, "token_kappa": kappa})
    return {"kind": "span", "score": _mean([p["token_kappa"] for p in pairs]), "pairs": pairs}


def boxes_at(regions: Sequence[Region], times: NDArray[np.float64]) -> tuple[NDArray[np.float64], list[Any], NDArray[np.float64]]:
    """Each box region's rectangle at the given frame times, linearly interpolated between keyframes.

    A region exists from its first to its last keyframe; returns (times, labels, n x 4 xywh).
    """
    out_t: list[NDArray[np.float64]] = []
    out_l: list[Any] = []
    out_b: list[NDArray[np.float64]] = []
    for r in regions:
        kf = sorted(r.get("keyframes", []), key=lambda f: f["time_ms"])
        if not kf:
            continue
        kt = np.array([f["time_ms"] for f in kf], dtype=np.float64)
        inside = times[(times >= kt[0]) & (times <= kt[-1])]
        if len(inside) == 0:
            continue
        cols = [np.interp(inside, kt, np.array([f[c] for f in kf], dtype=np.float64)) for c in ("x", "y", "w", "h")]
        out_t.append(inside)
        out_l.extend([r.get("label")] * len(inside))
        out_b.append(np.stack(cols, axis=1))
    if not out_t:
        return np.zeros(0), [], np.zeros((0, 4))
    return np.concatenate(out_t), out_l, np.concatenate(out_b)


def _box_track(
    track: Mapping[str, Any], names: list[str], regs: list[Sequence[Region]], opts: dict[str, Any]
) -> dict[str, Any]:
    labels = _label_index(track, regs)
    index = {lab: i for i, lab in enumerate(labels)}
    times = np.unique(np.array([f["time_ms"] for rr in regs for r in rr for f in r.get("keyframes", [])], dtype=np.float64))
    arrays = []
    for rr in regs:
        t, lab, b = boxes_at(rr, times)
        arrays.append((t, np.array([index[x] for x in lab], dtype=np.int64), b))
    pairs = []
    for i, j in combinations(range(len(names)), 2):
        r, _, _ = match_boxes(arrays[i], arrays[j], opts["box_iou"])
        precision, recall, f1 = prf(len(r), len(arrays[i][0]), len(arrays[j][0]))
        pairs.append({"a": names[i], "b": names[j], "score": f1, "precision": precision, "recall": recall,
                      "f1": f1, "matched": len(r), "frames": len(times)})
    return {"kind": "box", "score": _mean([p["score"] for p in pairs]), "pairs": pairs}


def task_report(
    schema: Mapping[str, Any],
    annotations: Mapping[str, Any],
    *,
    duration_ms: float | None = None,
    texts: Mapping[str, str] | None = None,
    tick_ms: float = 10,
    iou: float = 0.5,
    tolerance_ms: float = 100,
    box_iou: float = 0.5,
    gamma: bool = False,
    gamma_seed: int = 0,
    measure: str = "score",
) -> dict[str, Any]:
    """Agreement of several annotators on one task, per track, per label and per annotator pair.

    `annotations` maps annotator -> result. Segment tracks: time-sliced nominal alpha (track score),
    per-label binary alpha and pooled F1, per-pair segment F1 with onset/offset errors, pairwise
    alpha and a label-blind matching's confusion table; Mathet's gamma only with `gamma=True` (slow).
    Points: F1 within `tolerance_ms`. Transcripts: WER both ways. Spans: exact and overlap F1 plus
    token kappa. Boxes: per-frame F1 at the union of keyframe times. Relation tracks are listed but
    not scored. The task "score" and each entry of "pairs" are ``measure`` (see
    `qa.metrics.measures`; by default the mean of the track scores that are defined), computed
    by one rule for the task and for a pair.
    """
    names = sorted(annotations)
    per_track: dict[str, list[list[Region]]] = {t["name"]: [[] for _ in names] for t in schema.get("tracks", [])}
    for a, name in enumerate(names):
        for region in _regions(annotations[name]):
            slot = per_track.get(region.get("track"))  # type: ignore[arg-type]
            if slot is not None:
                slot[a].append(region)
    if duration_ms is None:
        ends = [r.get("end_ms", r.get("time_ms", 0)) for regs in per_track.values() for rr in regs for r in rr]
        duration_ms = float(max(ends, default=0)) or 1.0
    opts = {"tick_ms": tick_ms, "iou": iou, "tolerance_ms": tolerance_ms, "box_iou": box_iou,
            "gamma": gamma, "gamma_seed": gamma_seed}
    tracks: dict[str, Any] = {}
    for track in schema.get("tracks", []):
        regs: list[Sequence[Region]] = list(per_track[track["name"]])
        kind = track.get("kind")
        if len(names) < 2:
            tracks[track["name"]] = {"kind": kind, "score": None, "pairs": []}
        elif kind == "segment":
            tracks[track["name"]] = _segment_track(track, names, regs, duration_ms, opts)
        elif kind == "point":
            tracks[track["name"]] = _point_track(track, names, regs, opts)
        elif kind == "transcript":
            tracks[track["name"]] = _transcript_track(names, regs)
        elif kind == "span":
            tracks[track["name"]] = _span_track(track, names, regs, texts or {})
        elif kind == "box":
            tracks[track["name"]] = _box_track(track, names, regs, opts)
        else:
            tracks[track["name"]] = {"kind": kind, "score": None, "pairs": []}
    report: dict[str, Any] = {"annotators": names, "duration_ms": duration_ms, "measure": measure, "tracks": tracks}
    report["score"] = task_measure(report, measure)
    report["pairs"] = pair_measures(report, measure)
    return report
