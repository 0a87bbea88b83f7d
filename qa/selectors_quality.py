"""Per-annotator quality: agreement with peers, accuracy against gold, throughput, pre-label use."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Q

from annotation.models import Annotation, AnnotationKind, AnnotationStatus, Membership, Prediction, Project, Role
from qa.metrics import segment_f1
from qa.metrics.transcript_wer import WerCounts, prelabel_wer
from qa.models import TaskAgreement
from qa.services.triage import CONTENT_KEYS


def _blank() -> dict[str, Any]:
    return {
        "peers": {"mean": None, "n": 0, "by_peer": {}},
        "gold": {"f1": None, "tasks": 0, "tp": 0, "n_gold": 0, "n_own": 0},
        "throughput": {"submitted": 0, "median_ms": None},
        "prelabel": {},
        # per transcript track: edit counts of the pre-label against the submitted transcript
        "wer": {},
    }


def _content(region: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(repr(region.get(k)) for k in CONTENT_KEYS)


def _segments(result: Mapping[str, Any], track: str) -> list[tuple[int, int, Any]]:
    return [(r["start_ms"], r["end_ms"], r.get("label")) for r in result.get("regions", []) if r.get("track") == track]


def prelabel_use(result: Mapping[str, Any], predictions: Sequence[tuple[str, Mapping[str, Any]]]) -> dict[str, dict[str, int]]:
    """Per model: suggestions offered, accepted unchanged, accepted then changed, and deleted.

    A region counts as accepted when its ``source.model`` names the model; unchanged when its
    content (track, label, times, text, attributes; not its id) equals one of that model's
    suggested regions. Suggestions that no accepted region accounts for were deleted (or never taken).
    """
    out: dict[str, dict[str, int]] = {}
    regions = result.get("regions", [])
    for model, pred in predictions:
        offered = Counter(_content(r) for r in pred.get("regions", []))
        unchanged = changed = 0
        for r in regions:
            source = r.get("source")
            if not isinstance(source, Mapping) or source.get("model") != model:
                continue
            key = _content(r)
            if offered.get(key, 0) > 0:
                offered[key] -= 1
                unchanged += 1
            else:
                changed += 1
        n = len(pred.get("regions", []))
        out[model] = {"offered": n, "unchanged": unchanged, "changed": changed,
                      "deleted": max(0, n - unchanged - changed)}
    return out


def annotator_quality(project: Project) -> list[dict[str, Any]]:
    """One row per annotator of the project (members with the annotator role and anyone who submitted)."""
    rows: dict[str, dict[str, Any]] = {}
    members = Membership.objects.filter(project=project, role=Role.ANNOTATOR).values_list("user__username", flat=True)
    for name in members:
        rows[name] = _blank()

    def row(name: str) -> dict[str, Any]:
        return rows.setdefault(name, _blank())

    # Agreement with peers: mean pair score from the stored (small) pair lists.
    sums: dict[str, dict[str, list[float]]] = {}
    for pairs in TaskAgreement.objects.filter(task__project=project).values_list("pairs", flat=True).iterator(chunk_size=2000):
        for p in pairs:
            if p.get("score") is None:
                continue
            sums.setdefault(p["a"], {}).setdefault(p["b"], []).append(p["score"])
            sums.setdefault(p["b"], {}).setdefault(p["a"], []).append(p["score"])
    for name, by_peer in sums.items():
        allv = [v for vals in by_peer.values() for v in vals]
        row(name)["peers"] = {"mean": sum(allv) / len(allv), "n": len(allv),
                              "by_peer": {peer: sum(v) / len(v) for peer, v in sorted(by_peer.items())}}

    # Throughput.
    times: dict[str, list[int]] = {}
    submitted = Annotation.objects.filter(task__project=project, kind=AnnotationKind.HUMAN, status=AnnotationStatus.SUBMITTED)
    for name, lead in submitted.values_list("annotator__username", "lead_time_ms").iterator(chunk_size=5000):
        if name is not None:
            times.setdefault(name, []).append(lead)
    for name, vals in times.items():
        row(name)["throughput"] = {"submitted": len(vals), "median_ms": statistics.median(vals)}

    # Accuracy against a person's gold: honeypots and adjudicated tasks (never the automatic merge).
    segment_tracks = [t["name"] for t in (project.schema or {}).get("tracks", []) if t.get("kind") == "segment"]
    golds = Annotation.objects.filter(task__project=project, kind=AnnotationKind.GOLD).filter(
        Q(automatic=False) | Q(task__is_honeypot=True))
    gold_by_task = dict(golds.values_list("task_id", "result"))
    if gold_by_task and segment_tracks:
        own = submitted.filter(task_id__in=list(gold_by_task)).values_list("annotator__username", "task_id", "result")
        for name, task_id, result in own.iterator(chunk_size=1000):
            if name is None:
                continue
            acc = row(name)["gold"]
            acc["tasks"] += 1
            for track in segment_tracks:
                m = segment_f1(_segments(gold_by_task[task_id], track), _segments(result, track))
                acc["tp"] += len(m.pairs)
                acc["n_gold"] += m.n_reference
                acc["n_own"] += m.n_candidate
        for r in rows.values():
            g = r["gold"]
            if g["n_gold"] + g["n_own"]:
                g["f1"] = 2.0 * g["tp"] / (g["n_gold"] + g["n_own"])

    # Pre-label acceptance per model, and the word error rate of pre-labeled transcripts. Only a
    # suggestion the annotator could have seen counts: the stored version (a re-run replaces the row
    # and moves updated_at) must predate the submission, or a run after submission would count as
    # offered and deleted.
    transcript_tracks = [t["name"] for t in (project.schema or {}).get("tracks", []) if t.get("kind") == "transcript"]
    preds: dict[int, list[tuple[str, Mapping[str, Any], datetime]]] = {}
    for task_id, model, result, updated in Prediction.objects.filter(task__project=project, error="").values_list(
            "task_id", "model", "result", "updated_at").iterator(chunk_size=1000):
        preds.setdefault(task_id, []).append((model, result or {}, updated))
    if preds:
        taken = submitted.filter(task_id__in=list(preds)).values_list(
            "annotator__username", "task_id", "result", "submitted_at")
        for name, task_id, result, submitted_at in taken.iterator(chunk_size=1000):
            if name is None:
                continue
            seen = [(model, pred) for model, pred, updated in preds[task_id]
                    if submitted_at is None or updated <= submitted_at]
            if not seen:
                continue
            per_model = row(name)["prelabel"]
            for model, counts in prelabel_use(result or {}, seen).items():
                cell = per_model.setdefault(model, {"offered": 0, "unchanged": 0, "changed": 0, "deleted": 0})
                for k, v in counts.items():
                    cell[k] += v
            per_track = row(name)["wer"]
            for track, wc in prelabel_wer(result or {}, [pred for _, pred in seen], transcript_tracks).items():
                acc = per_track.get(track, {})
                total = wc + WerCounts(**{k: acc.get(k, 0) for k in wc.as_dict()})
                per_track[track] = {**total.as_dict(), "wer": total.wer, "annotations": acc.get("annotations", 0) + 1}
    return [{"annotator": name, **rows[name]} for name in sorted(rows)]
