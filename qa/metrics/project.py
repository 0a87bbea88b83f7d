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

#: Matrix cells that wait before being added to a pool's running sum (bounds its memory).
FOLD_CELLS = 2_000_000

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
    """Running sum of coincidence matrices keyed by label name; 'uncovered' kept at index 0.

    Matrices wait in groups of equal categories and are added a few thousand at a time, in task
    order onto the running sum: the same additions in the same order as adding each one as it
    comes, without array operations per task, and without holding every task's matrix.
    """

    def __init__(self) -> None:
        self.labels: list[str] = []
        self._o = np.zeros((1, 1))
        self._pos: dict[tuple[str, ...], NDArray[np.intp]] = {}
        self._waiting: dict[tuple[str, ...], tuple[list[int], list[list[list[float]]]]] = {}
        self._n = 0

    def add(self, categories: list[str], matrix: list[list[float]]) -> None:
        """Add one task's (K+1) x (K+1) matrix whose last category is 'uncovered'."""
        key = tuple(categories)
        if key not in self._pos:
            self.labels.extend([c for c in categories if c not in self.labels])
            self._pos[key] = np.array([self.labels.index(c) + 1 for c in categories] + [0], dtype=np.intp)
        group = self._waiting.get(key)
        if group is None:
            group = self._waiting[key] = ([], [])
        group[0].append(self._n)
        group[1].append(matrix)
        self._n += 1
        if self._n * (len(self.labels) + 1) ** 2 >= FOLD_CELLS:
            self._fold()

    def _fold(self) -> None:
        size = len(self.labels) + 1
        stack = np.zeros((self._n + 1, size, size))
        stack[0, : self._o.shape[0], : self._o.shape[1]] = self._o
        for key, (at, mats) in self._waiting.items():
            pos = self._pos[key]
            rows = np.array(at, dtype=np.intp) + 1
            stack[rows[:, None, None], pos[None, :, None], pos[None, None, :]] = np.asarray(mats, dtype=np.float64)
        # accumulate adds strictly in order (a sum may pair the terms up differently).
        self._o = np.add.accumulate(stack, axis=0)[-1]
        self._waiting.clear()
        self._n = 0

    def matrix(self) -> NDArray[np.float64]:
        """Pooled matrix in label order with 'uncovered' last, as task reports have it."""
        self._fold()
        perm = [*list(range(1, len(self.labels) + 1)), 0]
        return self._o[np.ix_(perm, perm)]


def _append(cells: dict[tuple[str, str], list[float]], key: tuple[str, str], value: float) -> None:
    found = cells.get(key)
    if found is None:
        cells[key] = [value]
    else:
        found.append(value)


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
                _append(pair_cells, (p["a"], p["b"]), p["score"])
        for tname, t in rep.get("tracks", {}).items():
            acc = tracks.get(tname)
            if acc is None:
                acc = tracks[tname] = {"kind": t.get("kind"), "scores": [], "cells": {}, "onset": {},
                                       "pool": _Pool(), "f1": {}, "confusion": {}}
            acc["scores"].append(t.get("score"))
            cells, onset, f1, confusion = acc["cells"], acc["onset"], acc["f1"], acc["confusion"]
            for p in t.get("pairs", []):
                key = (p["a"], p["b"])
                if p.get("score") is not None:
                    _append(cells, key, p["score"])
                if p.get("onset_error_ms") is not None:
                    _append(onset, key, p["onset_error_ms"])
                for lab, c in p.get("labels", {}).items():
                    cell = f1.get(lab)
                    if cell is None:
                        cell = f1[lab] = [0, 0, 0]
                    cell[0] += c["tp"]
                    cell[1] += c["n_a"]
                    cell[2] += c["n_b"]
                conf = p.get("confusion")
                if conf:
                    pair_key = f"{p['a']}|{p['b']}"
                    table = confusion.get(pair_key)
                    if table is None:
                        table = confusion[pair_key] = {}
                    for ra, row in conf["matrix"].items():
                        if not row:
                            continue
                        into = table.get(ra)
                        if into is None:
                            into = table[ra] = {}
                        for cb, n in row.items():
                            into[cb] = into.get(cb, 0) + n
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
