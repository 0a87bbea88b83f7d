"""Project-level aggregation of many task reports (see `qa.metrics.report.task_report`).

Alpha is pooled, not averaged: summing the tasks' coincidence matrices gives the alpha of the
whole project's timeline, which weighs long tasks more and stays defined where single tasks are
not. F1 per label is pooled from true-positive and region counts for the same reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qa.metrics.regions import clean
from qa.metrics.reliability import alpha_from_coincidences, binary_alphas

HIST_EDGES: list[float] = [round(-1.0 + 0.1 * i, 1) for i in range(21)]


def distribution(values: Iterable[float | None]) -> dict[str, Any]:
    """Summary of scores: count, mean, std, quantiles and a histogram on [-1, 1] in steps of 0.1."""
    v = np.array([x for x in values if x is not None], dtype=np.float64)
    if len(v) == 0:
        return {"n": 0, "mean": None, "std": None, "min": None, "p10": None, "median": None, "p90": None,
                "max": None, "histogram": {"edges": HIST_EDGES, "counts": [0] * (len(HIST_EDGES) - 1)}}
    q = np.quantile(v, [0.1, 0.5, 0.9])
    counts, _ = np.histogram(np.clip(v, -1.0, 1.0), bins=HIST_EDGES)
    return {"n": len(v), "mean": float(v.mean()), "std": float(v.std()), "min": float(v.min()),
            "p10": float(q[0]), "median": float(q[1]), "p90": float(q[2]), "max": float(v.max()),
            "histogram": {"edges": HIST_EDGES, "counts": counts.tolist()}}


class _Pool:
    """Running sum of coincidence matrices keyed by label name; 'uncovered' kept at index 0."""

    def __init__(self) -> None:
        self.labels: list[str] = []
        self._o = np.zeros((1, 1))

    def add(self, categories: list[str], matrix: list[list[float]]) -> None:
        """Add one task's (K+1) x (K+1) matrix whose last category is 'uncovered'."""
        new = [c for c in categories if c not in self.labels]
        if new:
            self.labels.extend(new)
            grown = np.zeros((len(self.labels) + 1, len(self.labels) + 1))
            grown[: self._o.shape[0], : self._o.shape[1]] = self._o
            self._o = grown
        pos = [self.labels.index(c) + 1 for c in categories] + [0]
        self._o[np.ix_(pos, pos)] += np.asarray(matrix, dtype=np.float64)

    def matrix(self) -> NDArray[np.float64]:
        """Pooled matrix in label order with 'uncovered' last, as task reports have it."""
        perm = [*list(range(1, len(self.labels) + 1)), 0]
        return self._o[np.ix_(perm, perm)]


def _matrix(names: list[str], cells: Mapping[tuple[str, str], list[float]]) -> dict[str, Any]:
    idx = {n: i for i, n in enumerate(names)}
    mean: list[list[float | None]] = [[None] * len(names) for _ in names]
    count = [[0] * len(names) for _ in names]
    for (a, b), vals in cells.items():
        m = float(np.mean(vals))
        for x, y in ((a, b), (b, a)):
            mean[idx[x]][idx[y]] = m
            count[idx[x]][idx[y]] = len(vals)
    return {"annotators": names, "mean": mean, "n": count}


def project_report(task_reports: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Distributions, per-label pooled measures and annotator x annotator matrices over task reports.

    Returns: tasks, score (distribution of task scores), annotators, pairs (matrix of mean pair
    scores over all tracks), tracks {name: kind, score distribution, pooled alpha (segment tracks),
    labels {label: pooled alpha, pooled F1}, pairs matrix, onset_error_ms matrix, confusion
    {"a|b": summed label confusion of b against a}}.
    """
    n_tasks = 0
    scores: list[float | None] = []
    names: set[str] = set()
    pair_cells: dict[tuple[str, str], list[float]] = {}
    tracks: dict[str, dict[str, Any]] = {}
    for rep in task_reports:
        n_tasks += 1
        scores.append(rep.get("score"))
        names.update(rep.get("annotators", []))
        for p in rep.get("pairs", []):
            if p["score"] is not None:
                pair_cells.setdefault((p["a"], p["b"]), []).append(p["score"])
        for tname, t in rep.get("tracks", {}).items():
            acc = tracks.setdefault(tname, {"kind": t.get("kind"), "scores": [], "cells": {}, "onset": {},
                                            "pool": _Pool(), "f1": {}, "confusion": {}})
            acc["scores"].append(t.get("score"))
            for p in t.get("pairs", []):
                key = (p["a"], p["b"])
                if p.get("score") is not None:
                    acc["cells"].setdefault(key, []).append(p["score"])
                if p.get("onset_error_ms") is not None:
                    acc["onset"].setdefault(key, []).append(p["onset_error_ms"])
                for lab, c in p.get("labels", {}).items():
                    cell = acc["f1"].setdefault(lab, [0, 0, 0])
                    cell[0] += c["tp"]
                    cell[1] += c["n_a"]
                    cell[2] += c["n_b"]
                conf = p.get("confusion")
                if conf:
                    table = acc["confusion"].setdefault(f"{p['a']}|{p['b']}", {})
                    for ra, row in conf["matrix"].items():
                        for cb, n in row.items():
                            table.setdefault(ra, {})[cb] = table.get(ra, {}).get(cb, 0) + n
            if "coincidences" in t:
                acc["pool"].add(t["coincidences"]["categories"], t["coincidences"]["matrix"])
    ordered = sorted(names)
    out_tracks: dict[str, Any] = {}
    for tname, acc in tracks.items():
        pool: _Pool = acc["pool"]
        entry: dict[str, Any] = {"kind": acc["kind"], "score": distribution(acc["scores"]),
                                 "pairs": _matrix(ordered, acc["cells"])}
        if pool.labels:
            pooled = pool.matrix()
            entry["alpha"] = clean(alpha_from_coincidences(pooled))
            bin_alpha = binary_alphas(pooled, len(pool.labels))
            entry["labels"] = {
                lab: {"alpha": bin_alpha[i],
                      "f1": (2.0 * acc["f1"][lab][0] / (acc["f1"][lab][1] + acc["f1"][lab][2]))
                      if lab in acc["f1"] and (acc["f1"][lab][1] + acc["f1"][lab][2]) else None}
                for i, lab in enumerate(pool.labels)
            }
            entry["onset_error_ms"] = _matrix(ordered, acc["onset"])
            entry["confusion"] = acc["confusion"]
        out_tracks[tname] = entry
    return {"tasks": n_tasks, "score": distribution(scores), "annotators": ordered,
            "pairs": _matrix(ordered, pair_cells), "tracks": out_tracks}
