"""Agreement report for one task, from the label schema and each annotator's result (plain data).

Input shapes are the contracts in docs/architecture.md: `schema = {"tracks": [...]}` and, per
annotator, a result `{"regions": [...]}` (or the bare region list). Each track is measured the way
its kind demands; the output is a JSON-serialisable dict (no NaN: undefined values are None).

Pair entries are ordered (a, b) with a as the reference; annotators are in sorted order, so the
first-named annotator of a pair is the reference. Every pair entry has a "score" in comparable
units (F1, or 1 - WER) that the project aggregator turns into annotator x annotator matrices.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from itertools import combinations, pairwise
from operator import itemgetter
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qa.metrics.matching import match_boxes, match_points, prf
from qa.metrics.measures import pair_measures, task_measure
from qa.metrics.params import AgreementParams
from qa.metrics.regions import Region, clean, label_index, mean_defined, regions_of
from qa.metrics.segments import segment_entries
from qa.metrics.text import normalize_transcript, span_f1, token_kappa, tokenize, word_error_rate

#: The published rule (see `AgreementParams` for each default).
DEFAULT_PARAMS = AgreementParams()


def _point_track(
    track: Mapping[str, Any], names: list[str], regs: list[Sequence[Region]], tolerance_ms: float
) -> dict[str, Any]:
    labels = label_index(track, regs)
    index = {lab: i for i, lab in enumerate(labels)}
    arrays = [
        (np.array([r["time_ms"] for r in rr], dtype=np.float64), np.array([index[r.get("label")] for r in rr], np.int64))
        for rr in regs
    ]
    pairs = []
    for i, j in combinations(range(len(names)), 2):
        r, c, _ = match_points(arrays[i], arrays[j], tolerance_ms)
        precision, recall, f1 = prf(len(r), len(arrays[i][0]), len(arrays[j][0]))
        dt = arrays[j][0][c] - arrays[i][0][r]
        pairs.append({
            "a": names[i], "b": names[j], "score": f1, "precision": precision, "recall": recall, "f1": f1,
            "matched": len(r), "time_error_ms": float(np.abs(dt).mean()) if len(r) else None,
        })
    return {"kind": "point", "score": mean_defined([p["score"] for p in pairs]), "tolerance_ms": tolerance_ms,
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
        m = mean_defined([ab, ba])
        pairs.append({"a": names[i], "b": names[j], "wer": ab, "wer_reverse": ba,
                      "score": max(0.0, 1.0 - m) if m is not None else None})
    return {"kind": "transcript", "score": mean_defined([p["score"] for p in pairs]), "pairs": pairs}


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
    return {"kind": "span", "score": mean_defined([p["token_kappa"] for p in pairs]), "pairs": pairs}


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
    track: Mapping[str, Any], names: list[str], regs: list[Sequence[Region]], box_iou: float
) -> dict[str, Any]:
    labels = label_index(track, regs)
    index = {lab: i for i, lab in enumerate(labels)}
    times = np.unique(np.array([f["time_ms"] for rr in regs for r in rr for f in r.get("keyframes", [])], dtype=np.float64))
    arrays = []
    for rr in regs:
        t, lab, b = boxes_at(rr, times)
        arrays.append((t, np.array([index[x] for x in lab], dtype=np.int64), b))
    pairs = []
    for i, j in combinations(range(len(names)), 2):
        r, _, _ = match_boxes(arrays[i], arrays[j], box_iou)
        precision, recall, f1 = prf(len(r), len(arrays[i][0]), len(arrays[j][0]))
        pairs.append({"a": names[i], "b": names[j], "score": f1, "precision": precision, "recall": recall,
                      "f1": f1, "matched": len(r), "frames": len(times)})
    return {"kind": "box", "score": mean_defined([p["score"] for p in pairs]), "pairs": pairs}


def _get_all(regions: Sequence[Region], key: str) -> list[Any]:
    """``r.get(key)`` of every region; at C speed when every region has the key."""
    try:
        return list(map(itemgetter(key), regions))
    except KeyError:
        return [r.get(key) for r in regions]


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Hold off the cyclic garbage collector while reports are built.

    Reports are trees of dicts and lists (no reference cycles to reclaim), but building thousands
    of them triggers full collections that walk every object alive, the caller's annotations
    included: on a 10,000-task project that walking cost about as much as the measuring itself.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _by_track(
    schema: Mapping[str, Any], names: list[str], annotations: Mapping[str, Any]
) -> dict[str, list[list[Region]]]:
    """Each schema track's regions per annotator (regions of other tracks are left out)."""
    per_track: dict[str, list[list[Region]]] = {t["name"]: [[] for _ in names] for t in schema.get("tracks", [])}
    for a, name in enumerate(names):
        regions = regions_of(annotations[name])
        tracks = _get_all(regions, "track")
        if tracks and tracks.count(tracks[0]) == len(tracks):
            # All on one track (the usual result of a one-track project): no per-region lookup.
            slot = per_track.get(tracks[0])
            if slot is not None:
                slot[a].extend(regions)
            continue
        for region, track in zip(regions, tracks):
            slot = per_track.get(track)
            if slot is not None:
                slot[a].append(region)
    return per_track


def task_reports(
    schema: Mapping[str, Any],
    annotations: Sequence[Mapping[str, Any]],
    *,
    durations: Sequence[float | None] | None = None,
    texts: Sequence[Mapping[str, str] | None] | None = None,
    params: AgreementParams = DEFAULT_PARAMS,
) -> list[dict[str, Any]]:
    """`task_report` of many tasks of one schema: ``annotations[i]`` maps annotator -> result of task i.

    ``durations`` and ``texts`` (optional) are per task, as `task_report` takes them. Segment tracks
    are measured for all tasks together (`qa.metrics.segments`), which is what makes a project's
    recomputation fast; every report equals the one `task_report` gives for its task alone.
    """
    n = len(annotations)
    durs: list[float | None] = list(durations) if durations is not None else [None] * n
    txts: list[Mapping[str, str] | None] = list(texts) if texts is not None else [None] * n
    if len(durs) != n or len(txts) != n:
        raise ValueError("durations and texts need one entry per task")
    # Gamma's solver makes cyclic garbage of its own, and takes long: the collector stays on then.
    quiet: AbstractContextManager[None] = nullcontext() if params.gamma else _no_cyclic_gc()
    with quiet:
        return _reports(schema, annotations, durs, txts, params)


def _reports(
    schema: Mapping[str, Any], annotations: Sequence[Mapping[str, Any]], durs: list[float | None],
    txts: list[Mapping[str, str] | None], params: AgreementParams,
) -> list[dict[str, Any]]:
    schema_tracks = list(schema.get("tracks", []))
    reports: list[dict[str, Any]] = []
    # Segment tracks wait for one batch over all tasks: per track, (task, names, regions, duration).
    waiting: dict[int, list[tuple[int, list[str], list[Sequence[Region]], float]]] = {}
    for ti, annotated in enumerate(annotations):
        names = sorted(annotated)
        per_track = _by_track(schema, names, annotated)
        duration_ms = durs[ti]
        if duration_ms is None:
            ends = [r.get("end_ms", r.get("time_ms", 0)) for regs in per_track.values() for rr in regs for r in rr]
            duration_ms = float(max(ends, default=0)) or 1.0
        tracks: dict[str, Any] = {}
        for si, track in enumerate(schema_tracks):
            regs: list[Sequence[Region]] = list(per_track[track["name"]])
            kind = track.get("kind")
            if len(names) < 2:
                tracks[track["name"]] = {"kind": kind, "score": None, "pairs": []}
            elif kind == "segment":
                tracks[track["name"]] = None
                waiting.setdefault(si, []).append((ti, names, regs, duration_ms))
            elif kind == "point":
                tracks[track["name"]] = _point_track(track, names, regs, params.tolerance_ms)
            elif kind == "transcript":
                tracks[track["name"]] = _transcript_track(names, regs)
            elif kind == "span":
                tracks[track["name"]] = _span_track(track, names, regs, txts[ti] or {})
            elif kind == "box":
                tracks[track["name"]] = _box_track(track, names, regs, params.box_iou)
            else:
                tracks[track["name"]] = {"kind": kind, "score": None, "pairs": []}
        reports.append({"annotators": names, "duration_ms": duration_ms, "measure": params.measure, "tracks": tracks})
    # Track by track, so that units of one track come together.
    units = [(si, *unit) for si, track_units in waiting.items() for unit in track_units]
    entries = segment_entries([schema_tracks[u[0]] for u in units], [u[2] for u in units], [u[3] for u in units],
                              [u[4] for u in units], params)
    for (si, ti, *_), entry in zip(units, entries):
        reports[ti]["tracks"][schema_tracks[si]["name"]] = entry
    for report in reports:
        report["score"] = task_measure(report, params.measure)
        report["pairs"] = pair_measures(report, params.measure)
    return reports


def task_report(
    schema: Mapping[str, Any],
    annotations: Mapping[str, Any],
    *,
    duration_ms: float | None = None,
    texts: Mapping[str, str] | None = None,
    params: AgreementParams = DEFAULT_PARAMS,
) -> dict[str, Any]:
    """Agreement of several annotators on one task, per track, per label and per annotator pair.

    `annotations` maps annotator -> result. Segment tracks: time-sliced nominal alpha (track score),
    per-label binary alpha and pooled F1, per-pair segment F1 with onset/offset errors, pairwise
    alpha and a label-blind matching's confusion table; Mathet's gamma only with `params.gamma` (slow).
    Points: F1 within `params.tolerance_ms`. Transcripts: WER both ways. Spans: exact and overlap F1 plus
    token kappa. Boxes: per-frame F1 at the union of keyframe times. Relation tracks are listed but
    not scored. The task "score" and each entry of "pairs" are ``params.measure`` (see
    `qa.metrics.measures`; by default the mean of the track scores that are defined), computed
    by one rule for the task and for a pair. Many tasks at once: `task_reports`.
    """
    return task_reports(schema, [annotations], durations=[duration_ms], texts=[texts], params=params)[0]
