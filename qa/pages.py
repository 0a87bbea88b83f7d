"""Server-rendered qa pages: the quality dashboard and the review editor."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils.safestring import mark_safe

from annotation.models import Project, Role
from annotation.policy import page_project, page_review_item
from qa import plots
from qa.metrics.measures import LABELS
from qa.models import ReviewState
from qa.selectors import project_agreement, review_queue
from qa.selectors_quality import annotator_quality


def dashboard_context(project: Project) -> dict[str, Any]:
    """Plots and tables of the project's agreement, made from stored reports."""
    report = project_agreement(project)
    hist = report["measure"]["distribution"]["histogram"]
    label_items: list[tuple[str, float | None]] = []
    for tname, t in report["tracks"].items():
        for label, m in (t.get("labels") or {}).items():
            label_items.append((f"{tname}/{label}", m.get("alpha")))
    pairs = report["pairs"]
    timing = report["timing"]
    # Every figure says which measure it is and over what; task and pair figures share the measure.
    measure = LABELS.get(report["measure"]["name"], report["measure"]["name"])
    return {
        "report": report,
        "measure_label": measure,
        "hist_svg": mark_safe(plots.histogram_svg(
            hist["edges"], hist["counts"], title=f"Task agreement: {measure}, one value per task",
            testid="agreement-histogram")),
        "labels_svg": mark_safe(plots.bars_svg(
            label_items, title="Per-label agreement: binary alpha, pooled over all tasks", testid="label-bars")),
        "matrix_html": mark_safe(plots.heatmap_table(
            pairs["annotators"], pairs["mean"], testid="annotator-matrix")),
        "onset_svg": mark_safe(plots.histogram_svg(
            timing["onset_error_ms"]["edges"], timing["onset_error_ms"]["counts"],
            title="Onset error: mean per annotator pair and task", unit=" ms", testid="onset-histogram")),
        "offset_svg": mark_safe(plots.histogram_svg(
            timing["offset_error_ms"]["edges"], timing["offset_error_ms"]["counts"],
            title="Offset error: mean per annotator pair and task", unit=" ms", testid="offset-histogram")),
        "queue": review_queue(project).exclude(state=ReviewState.RESOLVED)[:200],
    }


@login_required
def quality_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    project, role = page_project(request.user, pk, Role.REVIEWER)
    context: dict[str, Any] = {"project": project, "role": role, **dashboard_context(project)}
    if role == Role.MANAGER:  # annotator quality is for managers, not for an annotator's peers
        annotators = annotator_quality(project)
        context["annotators"] = annotators
        context["prelabel_use"] = prelabel_totals(annotators)
        context["prelabel_wer"] = wer_rows(annotators)
    return render(request, "qa/quality.html", context)


def prelabel_totals(annotators: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per pre-labeler: suggestions offered in submitted work, and how many were kept, changed, deleted."""
    totals: dict[str, dict[str, int]] = {}
    for row in annotators:
        for model, counts in row["prelabel"].items():
            cell = totals.setdefault(model, {"offered": 0, "unchanged": 0, "changed": 0, "deleted": 0})
            for key in cell:
                cell[key] += counts.get(key, 0)
    return [{"model": model, **cell} for model, cell in sorted(totals.items())]


def wer_rows(annotators: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per annotator and transcript track that had a pre-labeled transcript."""
    return [{"annotator": row["annotator"], "track": track, **cell}
            for row in annotators for track, cell in sorted(row.get("wer", {}).items())]


@login_required
def review_page(request: HttpRequest, pk: int) -> HttpResponse:
    item, role = page_review_item(request.user, pk)
    task = item.task
    boot = {
        "mode": "review", "taskId": task.pk, "reviewItemId": item.pk, "projectId": task.project_id,
        "apiBase": "/api", "csrfToken": get_token(request),
        "user": {"id": request.user.pk, "username": request.user.get_username(), "role": role},
    }
    return render(request, "web/editor.html", {"boot": boot, "task": task})
