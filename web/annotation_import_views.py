"""The manage page's annotation import: upload, see the layers and the suggested mapping, edit it, import.

The first post reads the file and keeps it under a random token in the default storage
(``datasets/services/previews.py``: a browser cannot send a file input again), so the second
post, on whichever web host it reaches, imports what was previewed. Both call the same service
as the REST API. The kept file is read from a local copy: a zip may carry the media of the items
it creates.
"""

from __future__ import annotations

import json
from typing import IO

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from annotation.models import Membership, Project, Role
from annotation.policy import actor, page_project
from annotation.services.annotation_imports import (
    TARGETS,
    UNMATCHED,
    Options,
    Upload,
    annotations_import,
    parse_mapping,
    plan,
    read_uploads,
)
from common.errors import DomainError, InvalidInput
from datasets.services.previews import preview_forget, preview_keep, preview_opened


def _preview(request: HttpRequest, project: Project, token: str, name: str, read: Upload,
             mapping_text: str = "", error: str = "") -> HttpResponse:
    """The layers, items and mapping of the kept file; ``mapping_text`` keeps what the manager typed."""
    found = plan(project, read)
    return render(request, "web/annotation_import.html", {
        "project": project, "plan": found, "token": token, "name": name, "error": error,
        "mapping": mapping_text or json.dumps(found["mapping"], indent=2, ensure_ascii=False),
        "targets": TARGETS, "chosen": request.POST.get("as", "prelabel"), "model": request.POST.get("model", ""),
        "annotator": request.POST.get("annotator", ""),
        "unmatched_choices": UNMATCHED, "unmatched": request.POST.get("unmatched", "error"),
        "annotators": Membership.objects.filter(project=project).select_related("user").order_by("user__username"),
    })


@login_required
def annotation_import(request: HttpRequest, pk: int) -> HttpResponse:
    project, _ = page_project(request.user, pk, Role.MANAGER)
    if request.method != "POST":
        return redirect("project-manage", pk=pk)
    upload = request.FILES.get("file")
    token = request.POST.get("token", "")
    try:
        if upload is not None:
            name = str(upload.name)
            upload_limit = settings.TANDEM_MAX_UPLOAD_BYTES
            if upload.size is not None and upload.size > upload_limit:
                raise InvalidInput(f"'{name}' is larger than {upload_limit} bytes.")
            read = read_uploads([(name, upload)])  # a file that cannot be read is not kept
            token = preview_keep(project.pk, name, upload)
            return _preview(request, project, token, name, read)
        if not token:
            raise InvalidInput("Choose an annotation file to import.")
        with preview_opened(project.pk, token) as (name, fh):
            return _confirm(request, project, token, name, fh)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("project-manage", pk=pk)


def _confirm(request: HttpRequest, project: Project, token: str, name: str, fh: IO[bytes]) -> HttpResponse:
    """Import the kept file as mapped; a refusal shows the preview again with the error, nothing written."""
    raw = request.POST.get("mapping", "")
    try:
        mapping = parse_mapping(raw) or {}
        username = request.POST.get("annotator", "").strip()
        member = Membership.objects.filter(project=project, user__username=username).select_related("user").first()
        if username and member is None:
            raise InvalidInput(f"'{username}' is not a member of this project; add them first.")
        options = Options(target=request.POST.get("as", ""), model=request.POST.get("model", "").strip(),
                          annotator=member.user if member is not None else None,
                          unmatched=request.POST.get("unmatched", "error"))
        read = read_uploads([(name, fh)])
        result = annotations_import(project=project, user=actor(request), upload=read, mapping=mapping,
                                    options=options)
    except DomainError as exc:
        fh.seek(0)
        return _preview(request, project, token, name, read_uploads([(name, fh)]), mapping_text=raw,
                        error=exc.detail)
    preview_forget(project.pk, token)
    made = f", {result['items_created']} new items with their media" if result["items_created"] else ""
    left = f"; {result['items_skipped']} items not in the project were left out" if result["items_skipped"] else ""
    messages.success(request, f"Imported {result['regions']} regions on {result['tasks']} items as "
                              f"{result['as']}{made}{left}.")
    return redirect("project-manage", pk=project.pk)
