"""What happens to a task once its agreement is known: the review queue or automatic gold."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from annotation.models import Annotation, AnnotationKind, Task, TaskStatus
from annotation.services.annotations import task_set_status
from annotation.services.gold import gold_write
from qa.metrics import merge_majority
from qa.metrics.conflicts import task_conflicts
from qa.models import ReviewState, TaskAgreement
from qa.services.agreement import submitted_versions, task_texts
from qa.services.review import review_enqueue

MAX_CONFLICTS = 500
# Region keys that say what a region is; ids, scores and provenance do not.
CONTENT_KEYS = ("track", "label", "start_ms", "end_ms", "time_ms", "text", "start_char", "end_char",
                "keyframes", "attributes")


def conflicts_for(
    schema: Mapping[str, Any], versions: Mapping[str, Mapping[str, Any]], texts: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Disagreements on every track kind (``qa.metrics.conflicts.task_conflicts``), capped.

    The one list the queue counts and the review view shows: on a segment track kind "label" is
    two different labels on the same stretch and kind "missing" a stretch some annotators left
    empty (boundary slips included); spans, relations, boxes and transcripts follow suit.
    """
    return task_conflicts(schema, versions, texts, limit=MAX_CONFLICTS)


def _closest(regions: Sequence[Mapping[str, Any]], merged: Mapping[str, Any]) -> Mapping[str, Any]:
    """The region with the merged label that overlaps the merged extent most (a supporter's vote)."""
    best: Mapping[str, Any] = {}
    best_overlap = -1
    for r in regions:
        if r.get("label") != merged["label"]:
            continue
        overlap = min(r["end_ms"], merged["end_ms"]) - max(r["start_ms"], merged["start_ms"])
        if overlap > best_overlap:
            best, best_overlap = r, overlap
    return best


def _content(region: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(repr(region.get(k)) for k in CONTENT_KEYS)


def merged_result(
    schema: Mapping[str, Any], versions: Mapping[str, Mapping[str, Any]], min_support: int | None = None
) -> tuple[dict[str, Any] | None, list[str]]:
    """Automatic gold: majority merge on segment tracks, exact agreement required elsewhere.

    Segments go through merge_majority (majority label, median boundaries; ``min_support``
    annotators must agree on a region, a strict majority by default); attributes are kept
    when every supporter gave the same ones. Other tracks have no majority rule, so they merge
    only when every annotator drew exactly the same regions; otherwise the task needs a person
    and the names of those tracks come back instead of a result. Relations name region ids that
    the merge renames, so any relation also needs a person.
    """
    names = sorted(versions)
    regions: list[dict[str, Any]] = []
    unmerged: list[str] = []
    for track in schema.get("tracks", []):
        tname, kind = track["name"], track.get("kind")
        own = {n: [r for r in versions[n].get("regions", []) if r.get("track") == tname] for n in names}
        if kind == "segment":
            per = {n: [(r["start_ms"], r["end_ms"], r.get("label")) for r in own[n]] for n in names}
            for i, m in enumerate(merge_majority(per, min_support=min_support)):
                region: dict[str, Any] = {"id": f"{tname}-{i + 1}", "track": tname, "label": m["label"],
                                          "start_ms": int(m["start_ms"]), "end_ms": int(m["end_ms"])}
                given = [_closest(own[n], m).get("attributes") for n in m["supporters"]]
                if given and given[0] and all(a == given[0] for a in given):
                    region["attributes"] = given[0]
                regions.append(region)
            continue
        contents = [sorted(_content(r) for r in own[n]) for n in names]
        if (kind == "relation" and any(own[n] for n in names)) or any(c != contents[0] for c in contents[1:]):
            unmerged.append(tname)
        else:
            for i, r in enumerate(sorted(own[names[0]], key=_content) if names else []):
                copy = {k: r[k] for k in CONTENT_KEYS if k in r}
                regions.append({"id": f"{tname}-{i + 1}", **copy})
    if unmerged:
        return None, unmerged
    return {"regions": regions}, []


def _reasons(task: Task, row: TaskAgreement, conflicts: Sequence[Mapping[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    project = task.project
    reasons: list[dict[str, Any]] = []
    if row.score is not None and row.score < project.agreement_threshold:
        reasons.append({"kind": "low_agreement", "measure": row.measure, "value": row.score,
                        "threshold": project.agreement_threshold})
    # Routing follows segment label conflicts only; other kinds that differ already need a person
    # (merged_result merges them only when every version is the same).
    label_conflicts = sum(1 for c in conflicts if c["kind"] == "label" and c.get("track_kind", "segment") == "segment")
    if label_conflicts:
        # Two labels on one stretch send a task to review; the count is the whole conflict list the
        # reviewer will see (label and missing), so the queue and the review panel say one number.
        reasons.append({"kind": "conflict", "count": len(conflicts), "label_conflicts": label_conflicts})
    if project.audit_rate > 0 and rng.random() < project.audit_rate:
        reasons.append({"kind": "audit", "rate": project.audit_rate})
    return reasons


@transaction.atomic
def triage(task_id: int, row: TaskAgreement, rng: random.Random | None = None) -> str:
    """Route a completed task: queue it for review, or write automatic gold. Returns what happened.

    Only a task in status ``complete`` is routed, under a row lock, so running this twice (a
    retried Celery task) routes it once. A task that already has a person's gold (a honeypot)
    keeps it and goes straight to gold.
    """
    task = Task.objects.select_for_update().select_related("project", "item").get(pk=task_id)
    if task.status != TaskStatus.COMPLETE:
        return "skipped"
    schema = task.project.schema or {"tracks": []}
    versions = submitted_versions(task)
    conflicts = conflicts_for(schema, versions, task_texts(task, schema))
    reasons = _reasons(task, row, conflicts, rng or random.Random())
    if task.project.merge_rule == "review":
        reasons.append({"kind": "review_all"})
    if task.review_items.exclude(state=ReviewState.RESOLVED).exists() or reasons:
        review_enqueue(task=task, reasons=reasons, conflicts=conflicts)
        return "review"
    existing = Annotation.objects.filter(task=task, kind=AnnotationKind.GOLD, automatic=False).exists()
    if existing:
        task_set_status(task, TaskStatus.GOLD)
        return "gold"
    unanimous = task.project.merge_rule == "unanimous"
    result, unmerged = merged_result(schema, versions, min_support=len(versions) if unanimous else None)
    if result is None:
        review_enqueue(task=task, reasons=[{"kind": "no_majority", "tracks": unmerged}], conflicts=conflicts)
        return "review"
    gold_write(task=task, result=result, user=None, automatic=True,
               detail={"rule": f"merge_majority ({task.project.merge_rule})", "annotators": sorted(versions)})
    return "gold"
