"""Reads of qa: the review queue and project-level agreement built from stored task reports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from typing import Any

from django.db.models import QuerySet

from annotation.models import Annotation, AnnotationKind, AnnotationStatus, Project
from datasets.exports.tabular import spreadsheet_safe
from qa.metrics import distribution, project_report
from qa.models import ReviewItem, TaskAgreement

REASON_KINDS = ("low_agreement", "conflict", "audit", "flagged", "no_majority")


def review_queue(project: Project, *, state: str | None = None, reason: str | None = None) -> QuerySet[ReviewItem]:
    """A project's review items, oldest first, optionally by state and by reason kind."""
    qs = ReviewItem.objects.filter(project_id_cache=project.pk).select_related(
        "task__item", "task__project", "claimed_by", "resolved_by").order_by("id")
    if state:
        qs = qs.filter(state=state)
    if reason:
        qs = qs.filter(reason_kinds__contains=f",{reason},")
    return qs


def _stored_reports(project: Project, timings: dict[str, list[float]]) -> Iterator[Mapping[str, Any]]:
    """Stream the stored task reports, collecting per-pair onset/offset errors on the way.

    The reports are read once, in chunks, so a 10,000-task project never holds every report.
    """
    qs = TaskAgreement.objects.filter(task__project=project).order_by("task_id").values_list("report", flat=True)
    for rep in qs.iterator(chunk_size=500):
        for t in rep.get("tracks", {}).values():
            if t.get("kind") != "segment":
                continue
            for p in t.get("pairs", []):
                if p.get("onset_error_ms") is not None:
                    timings["onset_error_ms"].append(p["onset_error_ms"])
                if p.get("offset_error_ms") is not None:
                    timings["offset_error_ms"].append(p["offset_error_ms"])
        yield rep


def timing_histogram(values: list[float], bin_ms: int = 50, bins: int = 20) -> dict[str, Any]:
    """Counts of mean boundary errors in ``bin_ms`` bins; the last bin holds everything beyond."""
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int(abs(v) // bin_ms))] += 1
    return {"bin_ms": bin_ms, "edges": [i * bin_ms for i in range(bins + 1)], "counts": counts, "n": len(values),
            "mean": (sum(abs(v) for v in values) / len(values)) if values else None}


def project_agreement(project: Project) -> dict[str, Any]:
    """The project report over every stored task report, plus the chosen measure's distribution,
    boundary-error histograms and queue counts."""
    timings: dict[str, list[float]] = {"onset_error_ms": [], "offset_error_ms": []}
    report = project_report(_stored_reports(project, timings))
    scores = TaskAgreement.objects.filter(task__project=project).values_list("score", flat=True)
    report["measure"] = {"name": project.agreement_measure, "threshold": project.agreement_threshold,
                         "distribution": distribution(list(scores))}
    report["timing"] = {k: timing_histogram(v) for k, v in timings.items()}
    counts: dict[str, int] = {}
    for state in ReviewItem.objects.filter(project_id_cache=project.pk).values_list("state", flat=True):
        counts[state] = counts.get(state, 0) + 1
    report["queue"] = counts
    return report


def agreement_csv(project: Project) -> Iterator[str]:
    """CSV lines of per-task scores: task id, external id, measured score, then one column per track."""
    tracks = [t["name"] for t in (project.schema or {}).get("tracks", [])]
    buf = io.StringIO()
    writer = csv.writer(buf)

    def flush() -> str:
        out = buf.getvalue()
        buf.seek(0)
        buf.truncate(0)
        return out

    # Track names and external ids are typed by people: never let a spreadsheet run them as formulas.
    writer.writerow(["task_id", "external_id", "measure", "score", *map(spreadsheet_safe, tracks)])
    yield flush()
    rows = (TaskAgreement.objects.filter(task__project=project).order_by("task_id")
            .values_list("task_id", "task__item__external_id", "measure", "score", "track_scores"))
    for task_id, external_id, measure, score, per_track in rows.iterator(chunk_size=2000):
        writer.writerow([task_id, spreadsheet_safe(external_id or ""), measure, _fmt(score),
                         *(_fmt(per_track.get(t)) for t in tracks)])
        yield flush()


def _fmt(x: Any) -> str:
    return "" if x is None else f"{float(x):.6g}"


def returned_drafts(project: Project, user: Any) -> QuerySet[Annotation]:
    """The user's drafts in the project that a reviewer sent back, with the note, oldest first."""
    if not getattr(user, "is_authenticated", False):
        return Annotation.objects.none()
    return (Annotation.objects.filter(task__project=project, annotator_id=user.pk, kind=AnnotationKind.HUMAN,
                                      status=AnnotationStatus.DRAFT).exclude(review_note="")
            .select_related("task__item").order_by("task_id"))
