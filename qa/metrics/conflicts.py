"""Where annotators disagree on text spans, relations, boxes and transcripts (plain data).

Each function takes one track's regions per annotator (``{annotator: [region, ...]}``, regions as
stored in a result) and returns a list of conflicts, each a dict with ``kind`` and the annotators
involved. Segment tracks are covered by ``qa.metrics.adjudication.find_conflicts``; these are the
other kinds, in the same vocabulary: "label" when annotators gave different labels to one thing,
"missing" when some of them left it out, plus "iou" (boxes that drift apart) and "words"
(transcripts whose words differ).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

import jiwer
import numpy as np

from qa.metrics.adjudication import find_conflicts
from qa.metrics.matching import assign, box_iou
from qa.metrics.text import normalize_transcript, word_error_rate

Region = Mapping[str, Any]
PerAnnotator = Mapping[str, Sequence[Region]]

BOX_IOU = 0.5
BOX_STEP_MS = 100
MATCH_IOU = 0.5
POINT_TOLERANCE_MS = 100


# --- spans --------------------------------------------------------------------------------------


def span_conflicts(per: PerAnnotator, text: str | None = None) -> list[dict[str, Any]]:
    """Character ranges where annotators' spans differ: two labels ("label") or a span some left out.

    The text is cut at every span boundary, as a timeline is cut at segment boundaries; adjacent
    pieces with the same labels merge. With ``text`` each conflict quotes the characters it covers.
    """
    names = sorted(per)
    if len(names) < 2:
        return []
    segments = {n: [(int(r["start_char"]), int(r["end_char"]), r.get("label")) for r in per[n]] for n in names}
    out: list[dict[str, Any]] = []
    for c in find_conflicts(segments):
        start, end = int(c["start_ms"]), int(c["end_ms"])
        labels = {str(n): lab for n, lab in c["labels"].items()}
        conflict: dict[str, Any] = {"kind": c["kind"], "start_char": start, "end_char": end, "labels": labels,
                                    "annotators": sorted(n for n, lab in labels.items() if lab is not None)}
        if text is not None:
            conflict["text"] = text[start:end]
        out.append(conflict)
    return out


# --- relations ----------------------------------------------------------------------------------


def _extent(region: Region) -> tuple[str, float, float] | None:
    """What a region covers, to match it with other annotators' regions: (unit, start, end)."""
    if "start_char" in region and "end_char" in region:
        return "char", float(region["start_char"]), float(region["end_char"])
    if "start_ms" in region and "end_ms" in region:
        return "ms", float(region["start_ms"]), float(region["end_ms"])
    if "time_ms" in region:
        t = float(region["time_ms"])
        return "ms", t - POINT_TOLERANCE_MS, t + POINT_TOLERANCE_MS
    frames = region.get("keyframes") or []
    if frames:
        times = [float(f["time_ms"]) for f in frames]
        return "ms", min(times), max(times) + 1
    return None


def _overlap(a: tuple[str, float, float], b: tuple[str, float, float]) -> float:
    if a[0] != b[0]:
        return 0.0
    inter = min(a[2], b[2]) - max(a[1], b[1])
    union = max(a[2], b[2]) - min(a[1], b[1])
    return inter / union if inter > 0 and union > 0 else 0.0


def match_regions(per: PerAnnotator) -> dict[tuple[str, str], int]:
    """One number per "thing" annotated: (annotator, region id) -> cluster.

    Annotators are taken in name order; each region joins the cluster on its track, not yet holding
    a region of that annotator, whose first region it overlaps most (IoU >= 0.5 of character or
    time extents; a point counts as ±100 ms, so two points match within about 67 ms); else it
    starts a cluster. Relations are not clustered.
    """
    clusters: list[tuple[str, tuple[str, float, float], set[str]]] = []
    out: dict[tuple[str, str], int] = {}
    for name in sorted(per):
        for region in per[name]:
            extent = _extent(region)
            if extent is None:
                continue
            track = str(region.get("track"))
            best, best_q = -1, MATCH_IOU
            for i, (ctrack, cext, members) in enumerate(clusters):
                if ctrack != track or name in members:
                    continue
                q = _overlap(extent, cext)
                if q >= best_q and (best < 0 or q > best_q):
                    best, best_q = i, q
            if best < 0:
                clusters.append((track, extent, set()))
                best = len(clusters) - 1
            clusters[best][2].add(name)
            out[(name, str(region.get("id")))] = best
    return out


def describe(region: Region, text: str | None = None) -> dict[str, Any]:
    """A region named the way a person names it: track, label and the text or time it covers."""
    out: dict[str, Any] = {"track": region.get("track"), "label": region.get("label")}
    for key in ("start_char", "end_char", "start_ms", "end_ms", "time_ms"):
        if key in region:
            out[key] = region[key]
    if text is not None and "start_char" in region and "end_char" in region:
        out["text"] = text[int(region["start_char"]):int(region["end_char"])]
    elif region.get("text"):
        out["text"] = region["text"]
    frames = region.get("keyframes") or []
    if frames and "start_ms" not in out:
        out["start_ms"] = min(int(f["time_ms"]) for f in frames)
    return out


def relation_conflicts(
    relations: PerAnnotator, regions: PerAnnotator, text: str | None = None
) -> list[dict[str, Any]]:
    """Relations whose label differs, or that only some annotators drew, between matched regions.

    ``regions`` holds every annotator's non-relation regions (all tracks), so endpoints are mapped
    across annotators through ``match_regions``; a relation from A to B in one version and from A
    to C in another are two conflicts ("missing" each). Endpoints are described by their labels
    and text, never by region ids.
    """
    names = sorted(set(relations) | set(regions))
    if len(names) < 2:
        return []
    cluster = match_regions(regions)
    by_id = {(n, str(r.get("id"))): r for n in names for r in regions.get(n, [])}
    seen: dict[tuple[int, int], dict[str, Any]] = {}
    order: list[tuple[int, int]] = []
    for name in names:
        for rel in relations.get(name, []):
            a, b = (name, str(rel.get("from_id"))), (name, str(rel.get("to_id")))
            if a not in cluster or b not in cluster:
                continue
            key = (cluster[a], cluster[b])
            if key not in seen:
                seen[key] = {"from": describe(by_id[a], text), "to": describe(by_id[b], text), "labels": {}}
                order.append(key)
            seen[key]["labels"].setdefault(name, rel.get("label"))
    out: list[dict[str, Any]] = []
    for key in order:
        entry = seen[key]
        labels = {n: entry["labels"].get(n) for n in names}
        present = {lab for lab in labels.values() if lab is not None}
        if len(present) == 1 and all(lab is not None for lab in labels.values()):
            continue
        out.append({"kind": "label" if len(present) > 1 else "missing", "from": entry["from"], "to": entry["to"],
                    "labels": labels, "annotators": sorted(n for n, lab in labels.items() if lab is not None)})
    return out


# --- boxes --------------------------------------------------------------------------------------


def _boxes_over(regions: Sequence[Region], grid: np.ndarray) -> list[tuple[Any, np.ndarray, np.ndarray]]:
    """Each box region over the sample times: (label, present mask, n x 4 xywh), linear between keyframes.

    A region exists from its first to its last keyframe; outside them it is absent.
    """
    out = []
    for r in regions:
        frames = sorted(r.get("keyframes") or [], key=lambda f: f["time_ms"])
        if not frames:
            continue
        kt = np.array([float(f["time_ms"]) for f in frames])
        present = (grid >= kt[0]) & (grid <= kt[-1])
        xywh = np.stack([np.interp(grid, kt, np.array([float(f[c]) for f in frames])) for c in ("x", "y", "w", "h")], axis=1)
        out.append((r.get("label"), present, xywh))
    return out


def _at(tracks: list[tuple[Any, np.ndarray, np.ndarray]], i: int) -> tuple[list[Any], np.ndarray]:
    """The boxes present at sample ``i``: their labels and rows."""
    here = [(lab, xywh[i]) for lab, present, xywh in tracks if present[i]]
    return [lab for lab, _ in here], np.array([row for _, row in here], dtype=np.float64).reshape(-1, 4)


def _pair_state(
    a: tuple[list[Any], np.ndarray], b: tuple[list[Any], np.ndarray], iou: float
) -> tuple[str | None, float | None]:
    """How two annotators' boxes at one instant disagree: (kind or None, lowest matched IoU)."""
    if len(a[0]) == 0 and len(b[0]) == 0:
        return None, None
    q = box_iou(a[1], b[1])
    best = q.argmax(axis=1) if q.size else np.zeros(0, dtype=np.int64)
    rows = np.arange(len(best))
    if q.shape[0] == q.shape[1] and len(set(best.tolist())) == len(best) and bool((q[rows, best] > 0).all()):
        # Each box's best partner is a different box: every row at its maximum is an optimal
        # one-to-one assignment (the sum of row maxima bounds any other), without the solver.
        ri, ci, qq = rows, best, q[rows, best]
    else:
        ri, ci, qq = assign(q, q > 0)
    low = float(qq.min()) if len(qq) else None
    if len(ri) < max(len(a[0]), len(b[0])):
        return "missing", low
    if any(a[0][i] != b[0][j] for i, j in zip(ri.tolist(), ci.tolist())):
        return "label", low
    if low is not None and low < iou:
        return "iou", low
    return None, low


def box_conflicts(per: PerAnnotator, iou: float = BOX_IOU, step_ms: int = BOX_STEP_MS) -> list[dict[str, Any]]:
    """Stretches where annotators' boxes differ, sampled every ``step_ms`` and at every keyframe.

    At each instant every pair of annotators' boxes is matched one-to-one on IoU; the instant
    disagrees when a box has no partner ("missing"), partners differ in label ("label"), or a
    partner pair overlaps less than ``iou`` ("iou"). Consecutive disagreeing samples form one
    conflict (start_ms/end_ms are its first and last sample) whose kind is the worst seen
    (missing > label > iou), with the lowest matched IoU in it.
    """
    names = sorted(per)
    times = sorted({int(f["time_ms"]) for n in names for r in per[n] for f in (r.get("keyframes") or [])})
    if len(names) < 2 or not times:
        return []
    grid = set(range(times[0], times[-1] + 1, step_ms)) | set(times)
    rank = {"iou": 0, "label": 1, "missing": 2}
    samples = np.array(sorted(grid), dtype=np.float64)
    over = {n: _boxes_over(per[n], samples) for n in names}
    out: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for i, t in enumerate(samples.astype(int).tolist()):
        at = {n: _at(over[n], i) for n in names}
        kind: str | None = None
        low: float | None = None
        involved: set[str] = set()
        for x, y in combinations(names, 2):
            k, q = _pair_state(at[x], at[y], iou)
            if k is None:
                continue
            involved |= {x, y}
            if kind is None or rank[k] > rank[kind]:
                kind = k
            if q is not None:
                low = q if low is None else min(low, q)
        if kind is None:
            current = None
            continue
        if current is None:
            current = {"kind": kind, "start_ms": t, "end_ms": t, "min_iou": low, "annotators": set(involved)}
            out.append(current)
        else:
            current["end_ms"] = t
            current["annotators"] |= involved
            if rank[kind] > rank[current["kind"]]:
                current["kind"] = kind
            if low is not None:
                current["min_iou"] = low if current["min_iou"] is None else min(current["min_iou"], low)
    for c in out:
        c["annotators"] = sorted(c["annotators"])
        if c["min_iou"] is not None:
            c["min_iou"] = round(float(c["min_iou"]), 4)
    return out


# --- transcripts --------------------------------------------------------------------------------


def word_diff(reference: str, hypothesis: str) -> list[dict[str, Any]]:
    """The word edits that turn ``reference`` into ``hypothesis`` (normalised), as jiwer aligns them."""
    ref, hyp = normalize_transcript(reference), normalize_transcript(hypothesis)
    if not ref or not hyp:
        return [] if ref == hyp else [{"op": "delete" if ref else "insert", "ref": ref, "hyp": hyp}]
    out = jiwer.process_words(ref, hyp)
    rw, hw = ref.split(), hyp.split()
    return [{"op": chunk.type, "ref": " ".join(rw[chunk.ref_start_idx:chunk.ref_end_idx]),
             "hyp": " ".join(hw[chunk.hyp_start_idx:chunk.hyp_end_idx])}
            for chunk in out.alignments[0] if chunk.type != "equal"]


def transcript_conflicts(per: PerAnnotator) -> list[dict[str, Any]]:
    """Stretches of time whose words differ between annotators, with the edits and each one's WER.

    Transcript segments of all annotators that overlap in time form one stretch; each annotator's
    words there are their segments' texts in time order. A stretch conflicts when the normalised
    words differ (case and punctuation do not count). The first-named annotator with words is the
    reference: ``wer`` is each other annotator's word error rate against it, ``edits`` their edits.
    """
    names = sorted(per)
    if len(names) < 2:
        return []
    items = sorted((int(r["start_ms"]), int(r["end_ms"]), n, str(r.get("text") or "")) for n in names for r in per[n])
    stretches: list[list[tuple[int, int, str, str]]] = []
    end = -1
    for it in items:
        if stretches and it[0] < end:
            stretches[-1].append(it)
            end = max(end, it[1])
        else:
            stretches.append([it])
            end = it[1]
    out: list[dict[str, Any]] = []
    for group in stretches:
        texts = {n: " ".join(t for _, _, who, t in group if who == n and t.strip()) for n in names}
        normal = {n: normalize_transcript(t) for n, t in texts.items()}
        if len(set(normal.values())) == 1:
            continue
        ref = next((n for n in names if normal[n]), names[0])
        out.append({
            "kind": "words", "start_ms": min(g[0] for g in group), "end_ms": max(g[1] for g in group),
            "reference": ref, "texts": texts,
            "wer": {n: round(word_error_rate(normal[ref], normal[n]), 4) for n in names if n != ref},
            "edits": {n: word_diff(texts[ref], texts[n]) for n in names if n != ref},
            "annotators": sorted(n for n in names if normal[n]),
        })
    return out


# --- a whole task -------------------------------------------------------------------------------


def _text_of(track: Mapping[str, Any], texts: Mapping[str, str]) -> str | None:
    if track.get("stream"):
        return texts.get(str(track["stream"]))
    return next(iter(texts.values()), None) if len(texts) == 1 else None


def task_conflicts(
    schema: Mapping[str, Any], versions: Mapping[str, Mapping[str, Any]], texts: Mapping[str, str] | None = None,
    *, box_iou_threshold: float = BOX_IOU, limit: int | None = None,
) -> list[dict[str, Any]]:
    """Every disagreement of a task, track by track in schema order, each tagged with its track.

    Segment tracks: ``find_conflicts`` (time stretches, kind label/missing); spans, relations,
    boxes and transcripts: the functions above. Point tracks have no conflict list. Each conflict
    carries ``track``, and ``track_kind`` unless it is a segment conflict; ``limit`` caps the list so a pathological task stays storable.
    """
    names = sorted(versions)
    texts = texts or {}
    out: list[dict[str, Any]] = []
    if len(names) < 2:
        return out
    tracks = list(schema.get("tracks", []))
    own = {t["name"]: {n: [r for r in versions[n].get("regions", []) if r.get("track") == t["name"]] for n in names}
           for t in tracks}
    for track in tracks:
        name, kind = track["name"], track.get("kind")
        per = own[name]
        found: list[dict[str, Any]]
        if kind == "segment":
            found = []
            for c in find_conflicts({n: [(r["start_ms"], r["end_ms"], r.get("label")) for r in per[n]] for n in names}):
                labels = {str(n): lab for n, lab in c["labels"].items()}
                found.append({"start_ms": c["start_ms"], "end_ms": c["end_ms"], "kind": c["kind"],
                              "annotators": sorted(n for n, lab in labels.items() if lab is not None),
                              "labels": labels})
        elif kind == "span":
            found = span_conflicts(per, _text_of(track, texts))
        elif kind == "relation":
            others = {n: [r for t in tracks if t.get("kind") != "relation" for r in own[t["name"]][n]] for n in names}
            span_text = next((_text_of(t, texts) for t in tracks if t.get("kind") == "span"), None)
            found = relation_conflicts(per, others, span_text)
        elif kind == "box":
            found = box_conflicts(per, iou=box_iou_threshold)
        elif kind == "transcript":
            found = transcript_conflicts(per)
        else:
            found = []
        for c in found:
            # Segment conflicts keep the shape they always had; the other kinds say which they are.
            out.append({"track": name, **c} if kind == "segment" else {"track": name, "track_kind": kind, **c})
            if limit is not None and len(out) >= limit:
                return out
    return out
