"""The arrays a batch of segment units is measured on (steps 1 to 3 of `segments`, and the pairs).

Every unit (one segment track of one task) is laid end to end with the others: its annotators'
regions coded by label, its time cut into pieces at every boundary with the ticks in each, each
annotator's segments painted onto those pieces, and its annotator pairs listed. `segments` computes
the coincidences, the matching and the entries from these.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations, repeat
from operator import itemgetter
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qa.metrics.regions import Region

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]

_START = itemgetter("start_ms")
_END = itemgetter("end_ms")


def starts(sizes: Ints) -> Ints:
    """Exclusive running sum: where each block of a concatenation starts."""
    out = np.cumsum(sizes)
    out -= sizes
    return out


def sums(index: Ints, weights: NDArray[Any], n: int) -> Floats:
    """Sum of the weights at each index 0..n-1, added in input order (`np.bincount`)."""
    out: Floats = np.bincount(index, weights=weights, minlength=n).astype(np.float64, copy=False)
    return out


def within(sizes: Ints) -> Ints:
    """Position inside its block of every element of blocks of the given sizes: 0..n0-1, 0..n1-1, ..."""
    return np.arange(int(sizes.sum()), dtype=np.int64) - np.repeat(starts(sizes), sizes)


def labels_of(regions: list[Region]) -> list[Any]:
    try:
        return list(map(dict.get, regions, repeat("label")))  # type: ignore[arg-type]
    except TypeError:  # a Mapping that is not a dict
        return [r.get("label") for r in regions]


@dataclass
class Coded:
    """The regions of a batch of units, rows (unit, annotator) laid end to end.

    Below, "task" stands for a unit: each segment track of a task is measured on its own.
    """

    labels: list[list[Hashable]]  # per task: the label coding (schema order, then extras by repr)
    start: Floats
    end: Floats
    code: Ints
    row_task: Ints  # task of each row
    row_size: Ints  # regions per row
    row_first: Ints  # first row of each task
    seg_row: Ints


def code_track(track: Mapping[str, Any], values: list[Any], bounds: Ints) -> tuple[Ints, list[list[Hashable]]]:
    """Label codes of one track's regions; unit u's regions are values[bounds[u]:bounds[u + 1]]."""
    schema: list[Hashable] = [lab["value"] for lab in track.get("labels", [])]
    known = set(schema)
    index = {lab: i for i, lab in enumerate(schema)}
    labels = [schema] * (len(bounds) - 1)
    extra = set(values) - known
    if not extra:
        return np.fromiter(map(index.__getitem__, values), np.int64, len(values)), labels
    # Labels the schema lacks: each unit codes its own, after the schema's, sorted by repr.
    code = np.fromiter(map({**index, **dict.fromkeys(extra, -1)}.__getitem__, values), np.int64, len(values))
    for u in np.unique(np.searchsorted(bounds, np.flatnonzero(code < 0), side="right") - 1).tolist():
        lo, hi = int(bounds[u]), int(bounds[u + 1])
        mine = values[lo:hi]
        labels[u] = schema + sorted(set(mine) - known, key=repr)
        local = {lab: i for i, lab in enumerate(labels[u])}
        code[lo:hi] = np.fromiter(map(local.__getitem__, mine), np.int64, hi - lo)
    return code, labels


def code(tracks: Sequence[Mapping[str, Any]], regs: Sequence[Sequence[Sequence[Region]]]) -> Coded:
    """Step 1: one array per field over all regions; label codes per unit as `label_index` gives them.

    A unit is one segment track of one task (``tracks[u]``, ``regs[u]`` per annotator).
    """
    every: list[Region] = []
    sizes: list[int] = []
    for rows in regs:
        for rr in rows:
            every.extend(rr)
            sizes.append(len(rr))
    n = len(every)
    row_size = np.array(sizes, dtype=np.int64)
    n_rows = np.array([len(rows) for rows in regs], dtype=np.int64)
    row_task = np.repeat(np.arange(len(regs), dtype=np.int64), n_rows)
    seg_row = np.repeat(np.arange(len(sizes), dtype=np.int64), row_size)
    start = np.fromiter(map(_START, every), np.float64, n)
    end = np.fromiter(map(_END, every), np.float64, n)
    values = labels_of(every)
    unit_first = np.append(starts(np.bincount(row_task, weights=row_size, minlength=len(regs)).astype(np.int64)), n)
    code = np.empty(n, dtype=np.int64)
    labels: list[list[Hashable]] = []
    u = 0
    while u < len(regs):
        v = u + 1
        while v < len(regs) and tracks[v] is tracks[u]:
            v += 1
        lo, hi = int(unit_first[u]), int(unit_first[v])
        code[lo:hi], run = code_track(tracks[u], values[lo:hi], unit_first[u : v + 1] - lo)
        labels.extend(run)
        u = v
    return Coded(labels, start, end, code, row_task, row_size, starts(n_rows), seg_row)


@dataclass
class Pieces:
    """Step 2: every task's time cut at each boundary (unclipped), with the ticks in each piece."""

    count: Ints  # pieces per task
    first: Ints  # first piece of each task
    weight: Floats  # ticks per piece (0 outside [0, duration))
    rank_start: Ints  # per segment: index of the piece its start opens (its end closes rank_end - 1)
    rank_end: Ints


def pieces(c: Coded, durations: Floats, tick_ms: float) -> Pieces:
    """Boundaries sorted per task in one sort; the pieces outside [0, duration] weigh nothing.

    Unclipped boundaries keep segments that meet beyond the item's end apart for matching; the
    clipped ones would give the same pieces inside [0, duration] and the same tick counts, as
    `timeline.build_timeline` counts them (a piece [a, b) holds ceil(b / tick) - ceil(a / tick)).
    """
    n_tasks = len(durations)
    n = len(c.start)
    seg_task = c.row_task[c.seg_row]
    values = np.empty(2 * n + 2 * n_tasks)
    values[0 : 2 * n : 2] = c.start
    values[1 : 2 * n : 2] = c.end
    values[2 * n : 2 * n + n_tasks] = 0.0
    values[2 * n + n_tasks :] = durations
    task = np.concatenate([np.repeat(seg_task, 2), np.arange(n_tasks), np.arange(n_tasks)])
    # Complex numbers sort by real part, then imaginary part: by task, then by time, in one sort.
    order = np.argsort(task + 1j * values, kind="stable")
    sv, st = values[order], task[order]
    new = np.ones(len(sv), dtype=bool)
    new[1:] = (sv[1:] != sv[:-1]) | (st[1:] != st[:-1])
    unique_id = np.cumsum(new) - 1
    bound, bound_task = sv[new], st[new]
    per_task = np.bincount(bound_task, minlength=n_tasks)
    first_bound = starts(per_task)
    rank = np.empty(len(sv), dtype=np.int64)
    rank[order] = unique_id
    rank_start = rank[0 : 2 * n : 2] - first_bound[seg_task]
    rank_end = rank[1 : 2 * n : 2] - first_bound[seg_task]
    clipped = np.minimum(np.maximum(bound, 0.0), durations[bound_task])
    edges = np.ceil(clipped / tick_ms).astype(np.int64)
    inner = bound_task[1:] == bound_task[:-1]
    weight = (edges[1:] - edges[:-1])[inner].astype(np.float64)
    return Pieces(per_task - 1, first_bound - np.arange(n_tasks), weight, rank_start, rank_end)


@dataclass
class Painted:
    """Step 3: the segment covering each (row, piece) slot (-1: none), and the segments in slot order."""

    segment: Ints
    by_start: Ints  # segments sorted by row, then start (ties: list order)
    start_key: Ints  # per segment: slot of its first piece (row's first slot + start rank)
    end_key: Ints  # per segment: slot after its last piece


def paint(c: Coded, pc: Pieces, row_slot: Ints, n_slots: int) -> Painted:
    """Which segment covers each (row, piece) slot.

    Where one annotator's segments overlap, the one that starts last wins (ties: the later one in
    the list), as `timeline.paint` decides. Rows without overlaps are painted by a running sum of
    +id at each segment's first piece and -id after its last.
    """
    first = row_slot[c.seg_row] + pc.rank_start
    after = row_slot[c.seg_row] + pc.rank_end
    nonempty = after > first
    by_start = np.argsort(first, kind="stable")
    shown = by_start[nonempty[by_start]]
    reach = np.maximum.accumulate(after[shown])
    # Rows follow each other in slot order, so a row's first segment never looks overlapped.
    overlapping = np.zeros(len(c.row_size), dtype=bool)
    overlapping[c.seg_row[shown[1:][first[shown[1:]] < reach[:-1]]]] = True
    clean = np.flatnonzero(nonempty & ~overlapping[c.seg_row])
    marks = np.zeros(n_slots + 1, dtype=np.int64)
    marks[first[clean]] = clean + 1
    marks[after[clean]] -= clean + 1
    painted = np.cumsum(marks[:-1]) - 1
    if overlapping.any():
        messy = np.flatnonzero(nonempty & overlapping[c.seg_row])
        order_of = np.empty(len(by_start), dtype=np.int64)
        order_of[by_start] = np.arange(len(by_start))
        span = after[messy] - first[messy]
        slots = np.repeat(first[messy], span) + within(span)
        rank = np.repeat(order_of[messy], span)
        order = np.lexsort((rank, slots))
        slots, rank = slots[order], rank[order]
        top = np.ones(len(slots), dtype=bool)
        top[:-1] = slots[1:] != slots[:-1]
        painted[slots[top]] = by_start[rank[top]]
    return Painted(painted, by_start, first, after)


@dataclass
class Pairs:
    """Every annotator pair of every task, in task order and `combinations` order within a task."""

    task: Ints
    a: Ints  # row of the reference
    b: Ints  # row of the candidate
    first: Ints  # first pair of each task (n_tasks + 1 entries)


def pairs(c: Coded) -> Pairs:
    task: list[int] = []
    a: list[int] = []
    b: list[int] = []
    first = [0]
    n_rows = np.diff(np.append(c.row_first, len(c.row_size))).tolist()
    for t, (r0, m) in enumerate(zip(c.row_first.tolist(), n_rows)):
        for i, j in combinations(range(r0, r0 + m), 2):
            a.append(i)
            b.append(j)
        task.extend([t] * (len(a) - first[-1]))
        first.append(len(a))
    return Pairs(np.array(task, dtype=np.int64), np.array(a, dtype=np.int64), np.array(b, dtype=np.int64),
                  np.array(first, dtype=np.int64))
