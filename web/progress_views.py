"""What the manage page polls: job progress and media processing, without a reload."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from annotation.models import Job, Project, Role
from annotation.policy import page_project
from datasets.models import Stream

MEDIA_ROWS = 100


def media_progress(project: Project) -> dict[str, Any]:
    """Media counts by processing status and the streams not ready yet, with their errors."""
    counts: dict[str, int] = {}
    streams = Stream.objects.filter(item__dataset=project.dataset).select_related("item", "asset")
    for status in streams.values_list("asset__status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    waiting = streams.exclude(asset__status="ready").order_by("-asset__status", "item_id", "id")[:MEDIA_ROWS]
    return {"counts": counts, "total": sum(counts.values()),
            "streams": [{"item": s.item.external_id or str(s.item_id), "role": s.role,
                         "kind": s.asset.kind, "status": s.asset.status, "error": s.asset.error} for s in waiting]}


def manage_progress(project: Project) -> dict[str, Any]:
    """Recent export and pre-label jobs, and the media processing state."""
    jobs = Job.objects.filter(project=project, kind__in=[Job.Kind.EXPORT, Job.Kind.PRELABEL]).order_by("-id")[:30]
    return {
        "jobs": [{"id": j.pk, "kind": j.kind, "status": j.status, "progress": j.progress, "error": j.error}
                 for j in jobs],
        "media": media_progress(project),
    }


@login_required
@require_safe
def progress(request: HttpRequest, pk: int) -> JsonResponse:
    """The manage page's live state (managers only; anyone else gets the same 404 as the page)."""
    project, _ = page_project(request.user, pk, Role.MANAGER)
    return JsonResponse(manage_progress(project))
