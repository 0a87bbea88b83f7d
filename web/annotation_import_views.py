"""The manage page's annotation import: upload, see the layers and the suggested mapping, edit it, import.

The first post reads the file and keeps it, under a random token, in the project's folder of
``VAR_DIR/annotation-imports`` (a browser cannot send a file input again), so the second post
imports what was previewed. Both call the same service as the REST API.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from annotation.models import Membership, Project, Role
from annotation.policy import actor, page_project
from annotation.services.annotation_imports import (
    TARGETS,
    Options,
    annotations_import,
    parse_mapping,
    plan,
    read_files,
)
from common.errors import DomainError, InvalidInput

_TOKEN = re.compile(r"^[0-9a-f]{32}$")
KEEP_SECONDS = 24 * 3600
MAX_FILE_BYTES = 200 * 1024 * 1024


def _folder(project: Project) -> Path:
    return Path(settings.VAR_DIR) / "annotation-imports" / str(project.pk)


def _keep(project: Project, name: str, data: bytes) -> str:
    folder = _folder(project)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():  # previews nobody imported
        if old.stat().st_mtime < time.time() - KEEP_SECONDS:
            old.unlink(missing_ok=True)
    token = uuid.uuid4().hex
    (folder / token).write_bytes(data)
    (folder / f"{token}.name").write_text(name, encoding="utf-8")
    return token


def _kept(project: Project, token: str) -> tuple[str, bytes]:
    path = _folder(project) / token
    if not _TOKEN.match(token) or not path.exists():
        raise InvalidInput("The previewed file is gone; upload it again.")
    return (path.parent / f"{token}.name").read_text(encoding="utf-8"), path.read_bytes()


def _forget(project: Project, token: str) -> None:
    for path in (_folder(project) / token, _folder(project) / f"{token}.name"):
        path.unlink(missing_ok=True)


def _preview(request: HttpRequest, project: Project, token: str, name: str, data: bytes,
             mapping_text: str = "", error: str = "") -> HttpResponse:
    """The layers, items and mapping of the kept file; ``mapping_text`` keeps what the manager typed."""
    found = plan(project, read_files([(name, data)]))
    return render(request, "web/annotation_import.html", {
        "project": project, "plan": found, "token": token, "name": name, "error": error,
        "mapping": mapping_text or json.dumps(found["mapping"], indent=2, ensure_ascii=False),
        "targets": TARGETS, "chosen": request.POST.get("as", "prelabel"), "model": request.POST.get("model", ""),
        "annotator": request.POST.get("annotator", ""),
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
            if upload.size is not None and upload.size > MAX_FILE_BYTES:
                raise InvalidInput(f"'{upload.name}' is larger than {MAX_FILE_BYTES} bytes.")
            name, data = str(upload.name), upload.read()
            read_files([(name, data)])  # a file that cannot be read is not kept
            return _preview(request, project, _keep(project, name, data), name, data)
        if not token:
            raise InvalidInput("Choose an annotation file to import.")
        name, data = _kept(project, token)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("project-manage", pk=pk)
    raw = request.POST.get("mapping", "")
    try:
        mapping = parse_mapping(raw) or {}
        username = request.POST.get("annotator", "").strip()
        member = Membership.objects.filter(project=project, user__username=username).select_related("user").first()
        if username and member is None:
            raise InvalidInput(f"'{username}' is not a member of this project; add them first.")
        result = annotations_import(
            project=project, user=actor(request), layers=read_files([(name, data)]), mapping=mapping, files=[name],
            options=Options(target=request.POST.get("as", ""), model=request.POST.get("model", "").strip(),
                            annotator=member.user if member is not None else None))
    except DomainError as exc:
        return _preview(request, project, token, name, data, mapping_text=raw, error=exc.detail)
    _forget(project, token)
    messages.success(request, f"Imported {result['regions']} regions on {result['tasks']} items as {result['as']}.")
    return redirect("project-manage", pk=pk)

