"""One definition per agreement measure, for a whole task and for one annotator pair.

A task report (see `qa.metrics.report.task_report`) holds several numbers per track; the pages
show one of them per task and per pair. Both come from here, with the same rule, so that on a
two-annotator task the task figure and the pair figure are the same number, and a page can
always say which measure a figure is.

- ``time_sliced_alpha``: mean over segment tracks of the time-sliced nominal alpha (task: all
  annotators; pair: the pair's own alpha).
- ``segment_f1``: mean over segment tracks of the segment F1 (task: over every pair; pair: its own).
- ``gamma``: mean over segment tracks of Mathet's gamma; gamma is not defined per pair, so pairs
  fall back to ``score``.
- ``score``: mean over every scored track of the track's own figure (segment: alpha, span: token
  kappa, point and box: F1, transcript: 1 - WER).

A segment measure on a task without a segment track falls back to ``score`` for the task and for
its pairs alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

MEASURES = ("time_sliced_alpha", "segment_f1", "gamma", "score")

LABELS = {
    "time_sliced_alpha": "time-sliced alpha",
    "segment_f1": "segment F1",
    "gamma": "gamma",
    "score": "mean track score",
}

Track = Mapping[str, Any]


def _mean(values: Sequence[Any]) -> float | None:
    v = [float(x) for x in values if x is not None]
    return sum(v) / len(v) if v else None


def pair_track_value(track: Track, pair: Mapping[str, Any]) -> float | None:
    """A pair's figure on one track, in the units of that track's own score."""
    kind = track.get("kind")
    if kind == "segment":
        return pair.get("alpha")
    if kind == "span":
        return pair.get("token_kappa")
    return pair.get("score")


def _segments(report: Mapping[str, Any]) -> list[Track]:
    return [t for t in report.get("tracks", {}).values() if t.get("kind") == "segment"]


def task_measure(report: Mapping[str, Any], measure: str) -> float | None:
    """The task's figure for ``measure`` (the number the project's threshold is compared with)."""
    segments = _segments(report)
    value: float | None = None
    if measure == "time_sliced_alpha":
        value = _mean([t.get("alpha") for t in segments])
    elif measure == "segment_f1":
        value = _mean([_mean([p.get("f1") for p in t.get("pairs", [])]) for t in segments])
    elif measure == "gamma":
        value = _mean([(t.get("gamma") or {}).get("gamma") for t in segments])
    if value is None:
        value = _mean([t.get("score") for t in report.get("tracks", {}).values()])
    return value


def pair_measures(report: Mapping[str, Any], measure: str) -> list[dict[str, Any]]:
    """Each annotator pair's figure for ``measure``: ``[{"a", "b", "score"}]`` in report order."""
    tracks = list(report.get("tracks", {}).values())
    keys: dict[tuple[str, str], None] = {}
    # Per track, each pair's first entry (a track lists a pair once; the first one counts).
    entries: list[dict[tuple[str, str], Mapping[str, Any]]] = []
    for t in tracks:
        found: dict[tuple[str, str], Mapping[str, Any]] = {}
        for p in t.get("pairs", []):
            key = (p["a"], p["b"])
            keys[key] = None
            found.setdefault(key, p)
        entries.append(found)
    segments = [i for i, t in enumerate(tracks) if t.get("kind") == "segment"]
    field = {"time_sliced_alpha": "alpha", "segment_f1": "f1"}.get(measure)
    out = []
    for key in keys:
        value: float | None = None
        if field is not None:
            value = _mean([entries[i][key].get(field) if key in entries[i] else None for i in segments])
        if value is None:
            value = _mean([pair_track_value(t, found[key]) if key in found else None
                           for t, found in zip(tracks, entries)])
        out.append({"a": key[0], "b": key[1], "score": value})
    return out
