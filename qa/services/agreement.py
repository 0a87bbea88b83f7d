"""Agreement of one task: gather its submitted annotations, run the pure report, store it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from annotation.models import Annotation, AnnotationKind, AnnotationStatus, Task
from annotation.selectors_exports import read_text
from datasets.models import Stream
from qa.metrics import task_report
from qa.models import TaskAgreement

MEASURES = ("time_sliced_alpha", "segment_f1", "gamma", "score")


def submitted_versions(task: Task) -> dict[str, dict[str, Any]]:
    """Each annotator's submitted human result on the task, keyed by username."""
    rows = (
        Annotation.objects.filter(task=task, kind=AnnotationKind.HUMAN, status=AnnotationStatus.SUBMITTED)
        .select_related("annotator")
        .order_by("id")
    )
    return {(a.annotator.username if a.annotator else f"#{a.pk}"): (a.result or {"regions": []}) for a in rows}


def task_texts(task: Task, schema: Mapping[str, Any]) -> dict[str, str]:
    """Contents of the item's text streams by role; read only when a span track needs them."""
    if not any(t.get("kind") == "span" for t in schema.get("tracks", [])):
        return {}
    streams = Stream.objects.filter(item_id=task.item_id, asset__kind="text").select_related("asset")
    out: dict[str, str] = {}
    for s in streams:
        try:
            out[s.role] = read_text(s.asset.storage_key)
        except OSError:
            continue
    return out


def _mean(values: list[Any]) -> float | None:
    v = [float(x) for x in values if x is not None]
    return sum(v) / len(v) if v else None


def measure_value(report: Mapping[str, Any], measure: str) -> float | None:
    """The number the project's threshold is compared with.

    Segment-based measures fall back to the task score when the task has no segment track, so a
    schema without segments still gets triaged on something.
    """
    segments = [t for t in report.get("tracks", {}).values() if t.get("kind") == "segment"]
    value: float | None = None
    if measure == "time_sliced_alpha":
        value = _mean([t.get("alpha") for t in segments])
    elif measure == "segment_f1":
        value = _mean([p.get("f1") for t in segments for p in t.get("pairs", [])])
    elif measure == "gamma":
        value = _mean([(t.get("gamma") or {}).get("gamma") for t in segments])
    if value is None:
        value = report.get("score")
    return value


def report_for(task: Task) -> dict[str, Any]:
    """The agreement report of a task's submitted annotations (pure core; no writes)."""
    project = task.project
    schema = project.schema or {"tracks": []}
    versions = submitted_versions(task)
    duration = float(task.item.duration_ms) if task.item.duration_ms else None
    return task_report(
        schema, versions, duration_ms=duration, texts=task_texts(task, schema),
        gamma=project.agreement_measure == "gamma",
    )


@transaction.atomic
def agreement_store(task: Task, report: dict[str, Any]) -> TaskAgreement:
    """Store a report and its measured value on TaskAgreement and Task.agreement (upsert)."""
    measure = task.project.agreement_measure or "time_sliced_alpha"
    value = measure_value(report, measure)
    row, _ = TaskAgreement.objects.update_or_create(
        task=task,
        defaults={
            "score": value, "measure": measure, "report": report,
            "track_scores": {name: t.get("score") for name, t in report.get("tracks", {}).items()},
            "pairs": list(report.get("pairs", [])),
        },
    )
    Task.objects.filter(pk=task.pk).update(agreement=value)
    task.agreement = value
    return row


def agreement_compute(task: Task) -> TaskAgreement:
    """Compute and store the task's agreement (idempotent: the same annotations give the same row)."""
    return agreement_store(task, report_for(task))


def agreement_get(task: Task) -> TaskAgreement:
    """The stored agreement of a task, computed now if it has none."""
    row = TaskAgreement.objects.filter(task=task).first()
    return row if row is not None else agreement_compute(task)
