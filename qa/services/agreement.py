"""Agreement of one task: gather its submitted annotations, run the pure report, store it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from annotation.models import Annotation, AnnotationKind, AnnotationStatus, Project, Task
from annotation.selectors_exports import read_text
from datasets.models import AssetKind, Stream
from qa.metrics import AgreementParams, task_report
from qa.metrics.measures import pair_measures, task_measure
from qa.models import TaskAgreement


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
    streams = Stream.objects.filter(item_id=task.item_id, asset__kind=AssetKind.TEXT).select_related("asset")
    out: dict[str, str] = {}
    for s in streams:
        try:
            out[s.role] = read_text(s.asset.storage_key)
        except OSError:
            continue
    return out


def agreement_params(project: Project) -> AgreementParams:
    """The project's stored agreement settings as report parameters (the one place they map).

    A project stores which measure it is judged by; gamma is slow, so a report computes it only
    for a project that is judged by gamma. The matching thresholds are the published defaults.
    """
    measure = project.agreement_measure or "time_sliced_alpha"
    return AgreementParams(gamma=measure == "gamma", measure=measure)


def measure_value(report: Mapping[str, Any], measure: str) -> float | None:
    """The number the project's threshold is compared with: the task figure of ``measure``.

    The same rule gives the pair figures stored with the report (`qa.metrics.measures`), so the
    task, the report and the annotator pairs never show three different numbers for one measure.
    """
    return task_measure(report, measure)


def report_for(task: Task) -> dict[str, Any]:
    """The agreement report of a task's submitted annotations (pure core; no writes)."""
    project = task.project
    schema = project.schema or {"tracks": []}
    versions = submitted_versions(task)
    duration = float(task.item.duration_ms) if task.item.duration_ms else None
    return task_report(schema, versions, duration_ms=duration, texts=task_texts(task, schema),
                       params=agreement_params(project))


@transaction.atomic
def agreement_store(task: Task, report: dict[str, Any]) -> TaskAgreement:
    """Store a report and its measured value on TaskAgreement and Task.agreement (upsert)."""
    measure = agreement_params(task.project).measure
    value = measure_value(report, measure)
    if report.get("measure") != measure:
        # A report made for another measure (the setting changed): its pair figures follow suit.
        report = {**report, "measure": measure, "score": value, "pairs": pair_measures(report, measure)}
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
