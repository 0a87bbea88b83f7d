"""What the manage page polls: job progress and media processing, without a reload."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from annotation.models import Job, JobStatus, Project, Role
from annotation.policy import page_project
from datasets.models import AssetStatus, Stream

MEDIA_ROWS = 100
RELEASE_ROWS = 50


def media_progress(project: Project) -> dict[str, Any]:
    """Media counts by processing status and the streams not ready yet, with their errors."""
    counts: dict[str, int] = {}
    streams = Stream.objects.filter(item__dataset=project.dataset).select_related("item", "asset")
    for status in streams.values_list("asset__status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    waiting = streams.exclude(asset__status=AssetStatus.READY).order_by("-asset__status", "item_id", "id")[:MEDIA_ROWS]
    return {"counts": counts, "total": sum(counts.values()),
            "streams": [{"item": s.item.external_id or str(s.item_id), "role": s.role,
                         "kind": s.asset.kind, "status": s.asset.status, "error": s.asset.error} for s in waiting]}


def releases(project: Project) -> list[dict[str, Any]]:
    """The project's releases (named exports) and their remakes, newest first, as the manage page lists them."""
    jobs = (Job.objects.filter(project=project, kind=Job.Kind.EXPORT)
            .filter(Q(release_name__gt="") | Q(params__has_key="remake_of"))
            .select_related("created_by").order_by("-id")[:RELEASE_ROWS])
    names = dict(Job.objects.filter(project=project, kind=Job.Kind.EXPORT, release_name__gt="")
                 .values_list("pk", "release_name"))
    out = []
    for j in jobs:
        result = j.result or {}
        source = j.params.get("remake_of")
        out.append({
            "id": j.pk, "version": j.release_name or f"{names.get(source, f'#{source}')} (remake)",
            "format": j.params.get("format"), "status": j.status, "progress": j.progress, "error": j.error,
            "bytes": result.get("bytes"), "sha256": result.get("sha256"), "release_hash": result.get("release_hash"),
            "remake_of": source, "same_bytes": result.get("same_bytes"),
            "created_by": j.created_by.username if j.created_by else None,
            "created_at": j.created_at.isoformat() if j.created_at else None,
            "created_label": j.created_at.strftime("%Y-%m-%d %H:%M UTC") if j.created_at else "",
            "download_url": f"/api/exports/{j.pk}/download" if j.status == JobStatus.SUCCEEDED else None,
            "can_remake": bool(j.release_name) and j.status == JobStatus.SUCCEEDED,
        })
    return out


def manage_progress(project: Project) -> dict[str, Any]:
    """Recent export and pre-label jobs, the releases, and the media processing state."""
    jobs = Job.objects.filter(project=project, kind__in=[Job.Kind.EXPORT, Job.Kind.PRELABEL]).order_by("-id")[:30]
    return {
        "jobs": [{"id": j.pk, "kind": j.kind, "status": j.status, "progress": j.progress, "error": j.error}
                 for j in jobs],
        "releases": releases(project),
        "media": media_progress(project),
    }


@login_required
@require_safe
def progress(request: HttpRequest, pk: int) -> JsonResponse:
    """The manage page's live state (managers only; anyone else gets the same 404 as the page)."""
    project, _ = page_project(request.user, pk, Role.MANAGER)
    return JsonResponse(manage_progress(project))
