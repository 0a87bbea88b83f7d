"""Pure helpers for the adjudication loop: where annotators disagree, and a majority-merged gold.

Versions are given as a mapping annotator -> list of (start_ms, end_ms, label) for one track (a
plain list of such lists is accepted too; annotators are then named by position).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qa.metrics.matching import assign, interval_iou
from qa.metrics.timeline import encode_segments, paint

Segment = Sequence[Any]
Versions = Mapping[Any, Sequence[Sequence[Any]]] | Sequence[Sequence[Sequence[Any]]]


def _named(versions: Versions) -> tuple[list[Hashable], list[Sequence[Sequence[Any]]]]:
    if isinstance(versions, Mapping):
        names = list(versions.keys())
        return names, [versions[n] for n in names]
    return list(range(len(versions))), list(versions)


def find_conflicts(versions: Versions) -> list[dict[str, Any]]:
    """Stretches of time where annotators do not all say the same thing.

    The track is cut at every boundary; on each piece each annotator has one label or none (the
    topmost segment where their own segments overlap). A piece is a conflict when the annotators'
    values differ: kind "label" when two or more different labels are present, kind "missing" when
    they agree on the label but some annotators have nothing there (including boundary slips).
    Adjacent pieces with the same values are merged. Each conflict: start_ms, end_ms, kind, and
    labels {annotator: label or None}.
    """
    names, segs = _named(versions)
    labels, arrays = encode_segments(segs)
    if not any(len(s) for s in segs):
        return []
    bounds = np.unique(np.concatenate([np.concatenate([a[0], a[1]]) for a in arrays]))
    left = bounds[:-1]
    codes = np.stack([paint(s, e, c, left) for s, e, c in arrays])
    differs = np.any(codes != codes[:1], axis=0)
    out: list[dict[str, Any]] = []
    for i in np.flatnonzero(differs).tolist():
        column = codes[:, i]
        if out and out[-1]["end_ms"] == bounds[i] and np.array_equal(out[-1]["_codes"], column):
            out[-1]["end_ms"] = bounds[i + 1]
            continue
        present = {int(c) for c in column.tolist() if c >= 0}
        out.append({
            "start_ms": bounds[i],
            "end_ms": bounds[i + 1],
            "kind": "label" if len(present) > 1 else "missing",
            "labels": {n: (labels[c] if c >= 0 else None) for n, c in zip(names, column.tolist())},
            "_codes": column,
        })
    for conflict in out:
        del conflict["_codes"]
        conflict["start_ms"] = _as_time(conflict["start_ms"])
        conflict["end_ms"] = _as_time(conflict["end_ms"])
    return out


def _as_time(x: float) -> int | float:
    return int(x) if float(x).is_integer() else float(x)


def _median_time(values: NDArray[np.float64]) -> int | float:
    """Median boundary, rounded half up to whole milliseconds when the inputs are whole."""
    m = float(np.median(values))
    return int(np.floor(m + 0.5)) if np.all(np.mod(values, 1) == 0) else m


def merge_majority(
    versions: Versions, iou: float = 0.5, min_support: int | None = None
) -> list[dict[str, Any]]:
    """Automatic gold: cluster matching regions across annotators, keep majority-backed ones.

    Annotators are taken in turn; each one's segments are matched one-to-one (on IoU >= `iou`,
    labels ignored, because a label disagreement is exactly what the vote settles) to the clusters
    built so far, compared on each cluster's current median extent; unmatched segments open new
    clusters. A cluster becomes a gold region when at least `min_support` annotators (default: a
    strict majority) are in it; its label is the most voted (ties: the label sorting first), its
    start and end the medians of its members' boundaries. Each region lists the annotators that
    voted for the chosen label ("supporters") and the full vote count.
    """
    names, segs = _named(versions)
    need = len(names) // 2 + 1 if min_support is None else min_support
    clusters: list[dict[Hashable, Segment]] = []
    for name, own in zip(names, segs):
        if not own:
            continue
        s = np.array([x[0] for x in own], dtype=np.float64)
        e = np.array([x[1] for x in own], dtype=np.float64)
        matched_rows: set[int] = set()
        if clusters:
            cs = np.array([np.median([m[0] for m in c.values()]) for c in clusters])
            ce = np.array([np.median([m[1] for m in c.values()]) for c in clusters])
            q = interval_iou(cs, ce, s, e)
            free = np.array([name not in c for c in clusters])
            r, col, _ = assign(q, (q >= iou) & (q > 0) & free[:, None])
            for ci, si in zip(r.tolist(), col.tolist()):
                clusters[ci][name] = own[si]
                matched_rows.add(si)
        for si, seg in enumerate(own):
            if si not in matched_rows:
                clusters.append({name: seg})
    merged: list[dict[str, Any]] = []
    for c in clusters:
        if len(c) < need:
            continue
        votes = Counter(seg[2] for seg in c.values())
        top = max(votes.values())
        label = sorted((lab for lab, v in votes.items() if v == top), key=repr)[0]
        merged.append({
            "start_ms": _median_time(np.array([seg[0] for seg in c.values()], dtype=np.float64)),
            "end_ms": _median_time(np.array([seg[1] for seg in c.values()], dtype=np.float64)),
            "label": label,
            "supporters": [n for n in names if n in c and c[n][2] == label],
            "members": [n for n in names if n in c],
            "votes": dict(sorted(votes.items(), key=lambda kv: repr(kv[0]))),
        })
    merged.sort(key=lambda r: (r["start_ms"], r["end_ms"]))
    return merged
