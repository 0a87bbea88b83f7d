"""Agreement on segment tracks: the steps behind a segment entry of `task_report`, many at once.

A project recomputes thousands of task reports, each a few hundred segments; done task by task,
the time goes into thousands of small array calls. Here every step runs once over the segments of
many units (one unit: one segment track of one task) laid end to end, and the units are told
apart by offsets into those arrays:

1. code each annotator's regions (per unit, the track's schema labels, then the extras it uses);
2. cut each unit's time at every boundary into pieces and count the ticks in each (`timeline`);
3. paint each annotator's segments onto the pieces (which segment, hence which label, covers each);
4. per annotator pair, add up tick weights by (label of a, label of b): the pair's coincidences,
   whose sum over the pairs is the unit's coincidence matrix (time-sliced alpha, per-label alpha);
5. match each pair's segments one to one (F1, boundary errors, label confusion), candidates found
   through one sorted array of all segments; pairs with an ambiguous choice take `match_segments`;
6. pool per-label F1 over the pairs; Mathet's gamma when asked for (unit by unit, it is slow).

Steps 1 to 3, and the list of annotator pairs, build the arrays (`segment_layout`); this module
computes on them. A unit's figures depend only on its own part of those arrays, so its entry is the same whether it
is computed alone or with others (tests pin both against each other). Counts and tick sums are
exact; the coincidence matrix is the exact sum over annotator pairs divided once by
(annotators - 1), which for three annotators or fewer is the per-tick sum to the last bit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qa.metrics import segment_layout as layout
from qa.metrics.matching import assign, interval_iou
from qa.metrics.params import AgreementParams
from qa.metrics.regions import Region
from qa.metrics.segment_layout import Floats, Ints, Painted, Pairs, starts, sums, within

#: One annotator's segments: start times, end times, label codes.
Arrays = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]

#: Units per batch: the largest arrays hold a few 8-byte numbers per piece and annotator pair,
#: about 25 MB for 1,000 units of three annotators and 150 segments, while the array calls stay few.
CHUNK = 1000


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


def _nominal_alpha(n_c: Floats, owner: Ints, n_groups: int, diag: Floats) -> Floats:
    """`reliability.alpha_from_coincidences` (nominal) of many coincidence matrices at once.

    Given each category's row total `n_c`, the group it belongs to, and each group's diagonal sum.
    The entries are integer tick counts (halved for three annotators), so the sums are exact in
    any order and the figures equal the one-matrix function's to the last bit.
    """
    n = sums(owner, n_c, n_groups)
    squares = sums(owner, n_c * n_c, n_groups)
    out = np.full(n_groups, np.nan)
    ok = n > 1
    d_e = np.zeros(n_groups)
    d_e[ok] = (n[ok] * n[ok] - squares[ok]) / (n[ok] - 1.0)
    ok &= d_e > 0
    out[ok] = 1.0 - (n[ok] - diag[ok]) / d_e[ok]
    return out


def _none_nan(values: Floats) -> list[float | None]:
    return [None if x != x else x for x in values.tolist()]


class SegmentBatch:
    """The segment-track entries of many units (see the module doc for the steps)."""

    def __init__(
        self, tracks: Sequence[Mapping[str, Any]], names: Sequence[list[str]],
        regs: Sequence[Sequence[Sequence[Region]]], durations: Sequence[float], params: AgreementParams,
    ) -> None:
        if params.tick_ms <= 0:
            raise ValueError("tick_ms must be positive")
        dur = np.array([float(d) for d in durations], dtype=np.float64)
        if np.any(dur <= 0):
            raise ValueError("duration_ms must be positive")
        self.names = names
        self.regs = regs
        self.params = params
        self.c = layout.code(tracks, regs)
        self.pieces = layout.pieces(self.c, dur, params.tick_ms)
        self.k = np.array([len(lab) for lab in self.c.labels], dtype=np.int64)

    def reports(self) -> list[dict[str, Any]]:
        c, pc, k = self.c, self.pieces, self.k
        n_tasks = len(k)
        n_rows = len(c.row_size)
        # Slots: one per (row, piece of the row's task).
        row_pieces = pc.count[c.row_task]
        row_slot = starts(row_pieces)
        n_slots = int(row_pieces.sum())
        paint = layout.paint(c, pc, row_slot, n_slots)
        painted = paint.segment
        slot_code = np.repeat(k[c.row_task], row_pieces)  # uncovered: code k of the task
        covered = painted >= 0
        slot_code[covered] = c.code[painted[covered]]

        # Regions per label and row (row-major, k of the row's task per row).
        row_lab = starts(k[c.row_task])
        per_label = np.bincount(row_lab[c.seg_row] + c.code, minlength=int(k[c.row_task].sum()))

        pairs = layout.pairs(c)
        n_pairs = len(pairs.task)
        kp = k[pairs.task]
        k1 = kp + 1

        # Step 4: each pair's coincidences by piece: tick weights at (code of a, code of b). A
        # row's slots and a task's pieces are contiguous, so a pair's columns are slices, copied
        # end to end (cheaper than computing an index for every element).
        pair_pieces = pc.count[pairs.task]
        n_l = pair_pieces.tolist()
        table = starts(k1 * k1)
        n_cells = int((k1 * k1).sum())
        if np.all(k == k[0]):
            row_k1 = slot_code * (int(k[0]) + 1)
        else:
            row_k1 = slot_code * np.repeat(k[c.row_task] + 1, row_pieces)
        code_a = np.concatenate([row_k1[o : o + n] for o, n in zip(row_slot[pairs.a].tolist(), n_l)])
        code_b = np.concatenate([slot_code[o : o + n] for o, n in zip(row_slot[pairs.b].tolist(), n_l)])
        weight = np.concatenate([pc.weight[o : o + n] for o, n in zip(pc.first[pairs.task].tolist(), n_l)])
        code_a += code_b
        code_a += np.repeat(table, pair_pieces)
        p_o = sums(code_a, weight, n_cells)
        cell_pair = np.repeat(np.arange(n_pairs, dtype=np.int64), k1 * k1)
        cell = np.arange(n_cells, dtype=np.int64) - table[cell_pair]
        cell_row = cell // k1[cell_pair]
        cell_col = cell - cell_row * k1[cell_pair]
        cat = starts(k1)
        # Row totals of p_o + p_o.T are p_o's row totals plus its column totals.
        n_c = (sums(cat[cell_pair] + cell_row, p_o, int(k1.sum()))
               + sums(cat[cell_pair] + cell_col, p_o, int(k1.sum())))
        on_diag = cell_row == cell_col
        diag = 2.0 * sums(cell_pair[on_diag], p_o[on_diag], n_pairs)
        cat_pair = np.repeat(np.arange(n_pairs, dtype=np.int64), k1)
        pair_alpha = _none_nan(_nominal_alpha(n_c, cat_pair, n_pairs, diag))

        # The task's coincidences: the sum over its pairs of p_o + p_o.T, over (annotators - 1).
        tk1 = k + 1
        t_table = starts(tk1 * tk1)
        t_cells = int((tk1 * tk1).sum())
        cell_task = pairs.task[cell_pair]
        at = t_table[cell_task]
        o = (sums(at + cell, p_o, t_cells)
             + sums(at + cell_col * k1[cell_pair] + cell_row, p_o, t_cells))
        raters = np.diff(np.append(c.row_first, n_rows))
        o_task = np.repeat(np.arange(n_tasks, dtype=np.int64), tk1 * tk1)
        o /= np.repeat(np.maximum(raters - 1, 1), tk1 * tk1).astype(np.float64)
        o_cell = np.arange(t_cells, dtype=np.int64) - t_table[o_task]
        o_row = o_cell // tk1[o_task]
        o_col = o_cell - o_row * tk1[o_task]
        t_cat = starts(tk1)
        rows_o = sums(t_cat[o_task] + o_row, o, int(tk1.sum()))
        o_diag_cells = o_row == o_col
        t_diag = sums(o_task[o_diag_cells], o[o_diag_cells], n_tasks)
        cat_task = np.repeat(np.arange(n_tasks, dtype=np.int64), tk1)
        task_alpha = _none_nan(_nominal_alpha(rows_o, cat_task, n_tasks, t_diag))
        # Per-label binary alpha (`reliability.binary_alphas`): label vs everything else.
        t_n = sums(o_task, o, n_tasks)[cat_task]
        a_cc = o[t_table[cat_task] + (np.arange(len(cat_task)) - t_cat[cat_task]) * (tk1[cat_task] + 1)]
        denom = rows_o * (t_n - rows_o)
        ok = denom > 0
        bin_alpha = np.full(len(rows_o), np.nan)
        bin_alpha[ok] = 1.0 - (rows_o[ok] - a_cc[ok]) * (t_n[ok] - 1.0) / denom[ok]

        # Step 5: matching.
        blind_pair, blind_a, blind_b, same_pair, same_a, same_b = self._match(paint, pairs, row_slot)
        matched = np.bincount(same_pair, minlength=n_pairs)
        d_on = c.start[same_b] - c.start[same_a]
        d_off = c.end[same_b] - c.end[same_a]
        on_err = sums(same_pair, np.abs(d_on), n_pairs)
        off_err = sums(same_pair, np.abs(d_off), n_pairs)
        on_bias = sums(same_pair, d_on, n_pairs)
        off_bias = sums(same_pair, d_off, n_pairs)
        pair_lab = starts(kp)
        tp = np.bincount(pair_lab[same_pair] + c.code[same_a], minlength=int(kp.sum()))
        conf_at = starts(kp * kp)
        conf = np.bincount(conf_at[blind_pair] + c.code[blind_a] * kp[blind_pair] + c.code[blind_b],
                           minlength=int((kp * kp).sum()))
        n_blind = np.bincount(blind_pair, minlength=n_pairs)
        return self._assemble(pairs, per_label, row_lab, pair_alpha, matched, on_err, off_err, on_bias, off_bias,
                              tp, pair_lab, conf, conf_at, n_blind, o, t_table, task_alpha, bin_alpha, t_cat)

    # -- step 5 -----------------------------------------------------------------------------------

    def _row(self, g: int) -> Arrays:
        c = self.c
        lo = int(np.searchsorted(c.seg_row, g, "left"))
        hi = lo + int(c.row_size[g])
        return c.start[lo:hi], c.end[lo:hi], c.code[lo:hi]

    def _match(self, paint: Painted, pairs: Pairs, row_slot: Ints) -> tuple[Ints, Ints, Ints, Ints, Ints, Ints]:
        """Every pair's label-blind and same-label matches: (pair, a-side segment, b-side segment) each.

        Candidates of a segment x of a: the segments of b that start before x ends (a prefix of b's
        segments in start order) and that come after the last one whose running maximum end is
        not past x's start; this window holds every segment overlapping x, and only those when b's
        segments do not overlap each other. Segment starts and ends are compared through their
        rank among the task's boundaries, so one sorted array serves every row. When no segment
        has two eligible partners, every eligible pair is matched (as in `match_segments`); the
        other pairs go to `match_segments` itself.
        """
        c = self.c
        n_pairs = len(pairs.task)
        seg_first = starts(c.row_size)
        key_sorted = paint.start_key[paint.by_start]
        reach = np.maximum.accumulate(paint.end_key[paint.by_start])
        n_a = c.row_size[pairs.a]
        n_b = c.row_size[pairs.b]
        qp = np.repeat(np.arange(n_pairs, dtype=np.int64), n_a)
        x = np.repeat(seg_first[pairs.a], n_a) + within(n_a)
        nonempty = paint.end_key[x] > paint.start_key[x]
        qp, x = qp[nonempty], x[nonempty]
        b = pairs.b[qp]
        # The query in b's slot numbering: same ranks, b's first slot.
        shift = row_slot[b] - row_slot[c.seg_row[x]]
        hi = np.minimum(np.searchsorted(key_sorted, paint.end_key[x] + shift, side="left"), seg_first[b] + c.row_size[b])
        lo = np.maximum(np.searchsorted(reach, paint.start_key[x] + shift, side="right"), seg_first[b])
        size = np.maximum(hi - lo, 0)
        pp, x, y = self._eligible(np.repeat(qp, size), np.repeat(x, size),
                                  paint.by_start[np.repeat(lo, size) + within(size)])
        twice = np.zeros(n_pairs, dtype=bool)
        for side, row, count in ((x, pairs.a, n_a), (y, pairs.b, n_b)):
            # Position of the segment among its row's segments, numbered apart for every pair.
            where = starts(count)[pp] + side - seg_first[row[pp]]
            twice[pp[np.bincount(where, minlength=int(count.sum()))[where] > 1]] = True
        keep = ~twice[pp]
        pp, x, y = pp[keep], x[keep], y[keep]
        same = c.code[x] == c.code[y]
        blind_p, blind_a, blind_b = [pp], [x], [y]
        same_p, same_a, same_b = [pp[same]], [x[same]], [y[same]]
        for p in np.flatnonzero(twice).tolist():
            ga, gb = int(pairs.a[p]), int(pairs.b[p])
            oa, ob = int(seg_first[ga]), int(seg_first[gb])
            m = match_segments(self._row(ga), self._row(gb), self.params.iou)
            blind_p.append(np.full(len(m.blind_ref), p, dtype=np.int64))
            same_p.append(np.full(len(m.ref), p, dtype=np.int64))
            blind_a.append(m.blind_ref.astype(np.int64) + oa)
            blind_b.append(m.blind_cand.astype(np.int64) + ob)
            same_a.append(m.ref.astype(np.int64) + oa)
            same_b.append(m.cand.astype(np.int64) + ob)
        cat = np.concatenate
        return cat(blind_p), cat(blind_a), cat(blind_b), cat(same_p), cat(same_a), cat(same_b)

    def _eligible(self, pp: Ints, x: Ints, y: Ints) -> tuple[Ints, Ints, Ints]:
        """The candidate pairs whose interval IoU reaches `params.iou` (and is above zero).

        Element by element what `matching.interval_iou` computes for the whole matrix.
        """
        c = self.c
        s1, e1, s2, e2 = c.start[x], c.end[x], c.start[y], c.end[y]
        inter = np.maximum(np.minimum(e1, e2) - np.maximum(s1, s2), 0.0)
        union = (e1 - s1) + (e2 - s2) - inter
        q = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        ok = (q >= self.params.iou) & (q > 0)
        return pp[ok], x[ok], y[ok]

    # -- step 6: the report entries ----------------------------------------------------------------

    def _assemble(
        self, pairs: Pairs, per_label: Ints, row_lab: Ints, pair_alpha: list[float | None], matched: Ints,
        on_err: Floats, off_err: Floats, on_bias: Floats, off_bias: Floats, tp: Ints, pair_lab: Ints, conf: Ints,
        conf_at: Ints, n_blind: Ints, o: Floats, t_table: Ints, task_alpha: list[float | None],
        bin_alpha: Floats, t_cat: Ints,
    ) -> list[dict[str, Any]]:
        """The report entries: every count and ratio computed over all pairs first, then the dicts."""
        c = self.c
        k = self.k
        n_pairs = len(pairs.task)
        kp = k[pairs.task]
        # Per (pair, label), pair-major like `tp`: regions on each side, and what the confusion left.
        lab_pair = np.repeat(np.arange(n_pairs, dtype=np.int64), kp)
        lab_x = within(kp)
        counts_a = per_label[row_lab[pairs.a][lab_pair] + lab_x]
        counts_b = per_label[row_lab[pairs.b][lab_pair] + lab_x]
        conf_pair = np.repeat(np.arange(n_pairs, dtype=np.int64), kp * kp)
        cell = within(kp * kp)
        ci = cell // kp[conf_pair]
        cj = cell - ci * kp[conf_pair]
        lost_a = counts_a - sums(pair_lab[conf_pair] + ci, conf, len(lab_x)).astype(np.int64)
        lost_b = counts_b - sums(pair_lab[conf_pair] + cj, conf, len(lab_x)).astype(np.int64)
        diag = ci == cj
        swapped = n_blind - sums(conf_pair[diag], conf[diag], n_pairs).astype(np.int64)
        nz = np.flatnonzero(conf)
        nz_first = np.searchsorted(nz, np.append(conf_at, len(conf))).tolist()
        nz_i, nz_j, nz_v = ci[nz].tolist(), cj[nz].tolist(), conf[nz].tolist()
        # `matching.prf` over all pairs (int / int divides the same in numpy as in Python).
        n_a = c.row_size[pairs.a]
        n_b = c.row_size[pairs.b]
        precision = np.divide(matched, n_b, out=np.ones(n_pairs), where=n_b > 0).tolist()
        recall = np.divide(matched, n_a, out=np.ones(n_pairs), where=n_a > 0).tolist()
        both = n_a + n_b
        f1 = np.divide(2.0 * matched, both, out=np.ones(n_pairs), where=both > 0).tolist()
        some = np.maximum(matched, 1)
        on_l, off_l = (on_err / some).tolist(), (off_err / some).tolist()
        onb_l, offb_l = (on_bias / some).tolist(), (off_bias / some).tolist()
        # Per task and label: the same counts pooled over the task's pairs.
        t_lab = starts(k)
        into = t_lab[pairs.task][lab_pair] + lab_x
        n_lab = int(k.sum())
        tot_tp = sums(into, tp, n_lab)
        tot_a = sums(into, counts_a, n_lab)
        tot_b = sums(into, counts_b, n_lab)
        tot_n = tot_a + tot_b
        lab_f1 = _none_nan(np.divide(2.0 * tot_tp, tot_n, out=np.full(n_lab, np.nan), where=tot_n > 0))
        tot_tp_l, tot_a_l, tot_b_l = (tot_tp.astype(np.int64).tolist(), tot_a.astype(np.int64).tolist(),
                                      tot_b.astype(np.int64).tolist())
        bin_l = _none_nan(bin_alpha)
        tp_l, ca_l, cb_l = tp.tolist(), counts_a.tolist(), counts_b.tolist()
        lost_a_l, lost_b_l = lost_a.tolist(), lost_b.tolist()
        matched_l = matched.tolist()
        swapped_l = swapped.tolist()
        pair_lab_l = pair_lab.tolist()
        o_l = o.tolist()
        t_table_l = t_table.tolist()
        t_cat_l = t_cat.tolist()
        t_lab_l = t_lab.tolist()
        pa_l, pb_l = pairs.a.tolist(), pairs.b.tolist()
        first_pair = pairs.first.tolist()
        row_first = c.row_first.tolist()
        str_cache: dict[int, list[str]] = {}
        out: list[dict[str, Any]] = []
        for t in range(len(c.labels)):
            labels = c.labels[t]
            shown = str_cache.get(id(labels))
            if shown is None:
                shown = str_cache[id(labels)] = [str(lab) for lab in labels]
            kt = len(labels)
            names = self.names[t]
            r0 = row_first[t]
            entries: list[dict[str, Any]] = []
            for p in range(first_pair[t], first_pair[t + 1]):
                lo = pair_lab_l[p]
                hi = lo + kt
                table: dict[str, dict[str, int]] = {}
                last = -1
                row: dict[str, int] = {}
                for q in range(nz_first[p], nz_first[p + 1]):
                    if nz_i[q] != last:
                        last = nz_i[q]
                        row = table.setdefault(shown[last], {})
                    row[shown[nz_j[q]]] = nz_v[q]
                m = matched_l[p]
                entries.append({
                    "a": names[pa_l[p] - r0], "b": names[pb_l[p] - r0], "score": f1[p], "alpha": pair_alpha[p],
                    "precision": precision[p], "recall": recall[p], "f1": f1[p], "matched": m,
                    "onset_error_ms": on_l[p] if m else None, "offset_error_ms": off_l[p] if m else None,
                    "onset_bias_ms": onb_l[p] if m else None, "offset_bias_ms": offb_l[p] if m else None,
                    "labels": {s: {"tp": v, "n_a": na, "n_b": nb}
                               for s, v, na, nb in zip(shown, tp_l[lo:hi], ca_l[lo:hi], cb_l[lo:hi]) if na or nb},
                    "confusion": {
                        "matrix": table,
                        "swapped": swapped_l[p],
                        "unmatched_reference": {s: v for s, v in zip(shown, lost_a_l[lo:hi]) if v},
                        "unmatched_candidate": {s: v for s, v in zip(shown, lost_b_l[lo:hi]) if v},
                    },
                })
            k1 = kt + 1
            flat = o_l[t_table_l[t] : t_table_l[t] + k1 * k1]
            lo, cat0 = t_lab_l[t], t_cat_l[t]
            entry: dict[str, Any] = {
                "kind": "segment",
                "score": task_alpha[t],
                "alpha": task_alpha[t],
                "labels": {s: {"alpha": al, "f1": f, "tp": v, "n_a": na, "n_b": nb} for s, al, f, v, na, nb in zip(
                    shown, bin_l[cat0 : cat0 + kt], lab_f1[lo : lo + kt], tot_tp_l[lo : lo + kt], tot_a_l[lo : lo + kt],
                    tot_b_l[lo : lo + kt])},
                "pairs": entries,
                "coincidences": {"categories": list(shown),
                                 "matrix": [flat[i * k1 : (i + 1) * k1] for i in range(k1)]},
            }
            if self.params.gamma:
                entry["gamma"] = self._gamma(t)
            out.append(entry)
        return out

    def _gamma(self, t: int) -> dict[str, Any] | None:
        from qa.metrics.gamma import gamma_agreement

        units = [(n, r["start_ms"], r["end_ms"], r.get("label")) for n, rr in zip(self.names[t], self.regs[t]) for r in rr]
        try:
            return gamma_agreement(units, seed=self.params.gamma_seed)
        except ValueError:
            return None


def segment_entries(
    tracks: Sequence[Mapping[str, Any]], names: Sequence[list[str]], regs: Sequence[Sequence[Sequence[Region]]],
    durations: Sequence[float], params: AgreementParams,
) -> list[dict[str, Any]]:
    """The report entry of each unit: segment track ``tracks[u]`` of a task with annotators ``names[u]``.

    ``regs[u]`` holds the track's regions per annotator (two annotators or more). Units of one track
    are best given together: the label coding is set up once per run of the same track.
    """
    out: list[dict[str, Any]] = []
    for lo in range(0, len(names), CHUNK):
        hi = lo + CHUNK
        out.extend(SegmentBatch(tracks[lo:hi], names[lo:hi], regs[lo:hi], durations[lo:hi], params).reports())
    return out
