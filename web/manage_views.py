"""The manager's page of a project: members, import, stream sync, pre-label runs and exports.

Each form posts here and calls the same services as the REST API; errors come back as a
message on the page, never as a server error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from annotation.models import OVERLAP_RANGE, THRESHOLD_RANGE, Job, Membership, Project, Role
from annotation.policy import actor, page_project
from annotation.services.exports import export_create
from annotation.services.imports import parse_manifest, project_import, upload_records
from annotation.services.prelabel import prelabel_start
from annotation.services.projects import member_remove, member_set, project_update
from annotation.stream_roles import role_kinds
from common.errors import DomainError
from datasets.exports import FORMATS
from datasets.models import Item, Stream
from datasets.services.streams import stream_set_offset
from datasets.services.sync import item_sync_check
from web.progress_views import media_progress, releases


class QualitySettingsForm(forms.ModelForm):  # type: ignore[type-arg]
    """How many annotators label a task, which measure judges their agreement, and what happens then."""

    overlap = forms.IntegerField(min_value=OVERLAP_RANGE[0], max_value=OVERLAP_RANGE[1], label="Annotators per task")
    agreement_threshold = forms.FloatField(min_value=THRESHOLD_RANGE[0], max_value=THRESHOLD_RANGE[1],
                                           label="Review below")

    class Meta:
        model = Project
        fields = ["overlap", "agreement_measure", "agreement_threshold", "merge_rule", "allow_reopen"]
        labels = {"agreement_measure": "Agreement measure", "merge_rule": "Gold from agreeing work"}


def _managed(request: HttpRequest, pk: int) -> Project:
    project, _ = page_project(request.user, pk, Role.MANAGER)
    return project


@login_required
def manage_page(request: HttpRequest, pk: int) -> HttpResponse:
    project = _managed(request, pk)
    streams = (Stream.objects.filter(item__dataset=project.dataset, proposed_offset_ms__isnull=False)
               .select_related("item").order_by("item_id", "id")[:200])
    return render(request, "web/manage.html", {
        "project": project,
        "members": Membership.objects.filter(project=project).select_related("user").order_by("role", "user__username"),
        "roles": Role.values,
        "streams": streams,
        "formats": sorted(FORMATS),
        "exports": Job.objects.filter(project=project, kind=Job.Kind.EXPORT).order_by("-id")[:20],
        "prelabel_jobs": Job.objects.filter(project=project, kind=Job.Kind.PRELABEL).order_by("-id")[:10],
        # role -> kind of file, for the import form's per-file role choice (manage.js pre-fills it)
        "stream_roles": ",".join(f"{r}:{k}" for r, k in role_kinds(project.schema or {}).items()),
        "stream_roles_list": list(role_kinds(project.schema or {}).items()),
        "media": media_progress(project),
        "releases": releases(project),
        "has_redact_track": any(t.get("kind") == "redact" for t in (project.schema or {}).get("tracks", [])),
        "quality": QualitySettingsForm(instance=project),
    })


def _act(request: HttpRequest, pk: int, action: Callable[[Project], str]) -> HttpResponse:
    if request.method != "POST":
        return redirect("project-manage", pk=pk)
    project = _managed(request, pk)
    try:
        messages.success(request, action(project))
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("project-manage", pk=pk)


@login_required
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    def add(project: Project) -> str:
        username = request.POST.get("username", "").strip()
        member = User.objects.filter(username=username).first()
        if member is None:
            raise DomainError(f"No user named '{username}'.")
        member_set(project=project, user=actor(request), member=member, role=request.POST.get("role", ""))
        return f"{username} is now {request.POST.get('role')}."

    return _act(request, pk, add)


@login_required
def member_delete(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    def remove(project: Project) -> str:
        member = User.objects.filter(pk=user_id).first()
        if member is None:
            raise DomainError("No such member.")
        member_remove(project=project, user=actor(request), member=member)
        return f"{member.username} was removed."

    return _act(request, pk, remove)


@login_required
def import_items(request: HttpRequest, pk: int) -> HttpResponse:
    def run(project: Project) -> str:
        manifest = request.FILES.get("manifest")
        records: list[dict[str, Any]] = parse_manifest(manifest.read()) if manifest is not None else []
        uploads: dict[str, Any] = {str(f.name): f for f in request.FILES.getlist("files")}
        if not records and uploads:
            # Each file's stream role comes from the form (pre-filled by manage.js), else the guess.
            records = upload_records(project.schema or {}, uploads, roles=request.POST.getlist("roles"),
                                     one_item=request.POST.get("group") == "item")
        result = project_import(project=project, user=actor(request), records=records, uploads=uploads,
                                check_roles=True)
        return f"Imported {result['items']} items; their media is being processed."

    return _act(request, pk, run)


@login_required
def import_source(request: HttpRequest, pk: int) -> HttpResponse:
    def save(project: Project) -> str:
        project_update(project=project, user=actor(request), data={"import_source": request.POST.get("import_source", "")})
        source = project.dataset.import_source
        return f"Manifest keys may now name objects under '{source}'." if source else "The import source is cleared."

    return _act(request, pk, save)


@login_required
def quality_settings(request: HttpRequest, pk: int) -> HttpResponse:
    def save(project: Project) -> str:
        measure = project.agreement_measure
        form = QualitySettingsForm(request.POST, instance=Project.objects.get(pk=project.pk))
        if not form.is_valid():
            raise DomainError(" ".join(f"{form.fields[f].label}: {' '.join(map(str, e))}" for f, e in form.errors.items()))
        project_update(project=project, user=actor(request), data=form.cleaned_data)
        if project.agreement_measure != measure:
            return (f"Settings saved. Every task's agreement is being recomputed as "
                    f"{project.get_agreement_measure_display()}.")
        return "Settings saved."

    return _act(request, pk, save)


@login_required
def stream_offset(request: HttpRequest, pk: int, stream_id: int) -> HttpResponse:
    def confirm(project: Project) -> str:
        stream = Stream.objects.filter(pk=stream_id, item__dataset=project.dataset).first()
        if stream is None:
            raise DomainError("No such stream in this project.")
        raw = request.POST.get("offset_ms", "").strip()
        try:
            offset = int(raw) if raw else None
        except ValueError:
            raise DomainError("The offset must be a whole number of milliseconds.") from None
        stream_set_offset(stream=stream, user=actor(request), project_id=project.pk, offset_ms=offset,
                          accept_proposed=offset is None)
        return f"Stream '{stream.role}' of item {stream.item_id} now starts at {stream.offset_ms} ms."

    return _act(request, pk, confirm)


@login_required
def sync_check(request: HttpRequest, pk: int) -> HttpResponse:
    def queue(project: Project) -> str:
        ref = request.POST.get("item", "").strip()
        items = Item.objects.filter(dataset=project.dataset)
        item = items.filter(external_id=ref).first() if ref else None
        if item is None and ref.isdigit():
            item = items.filter(pk=int(ref)).first()
        if item is None:
            raise DomainError(f"No item '{ref}' in this project (give its external id or number).")
        queued = item_sync_check(item=item)
        roles = ", ".join(f"'{s['role']}'" for s in queued["streams"])
        return (f"Sync check of item {item.external_id or f'#{item.pk}'} queued: {roles} against "
                f"'{queued['reference']['role']}'.")

    return _act(request, pk, queue)


@login_required
def start_export(request: HttpRequest, pk: int) -> HttpResponse:
    def run(project: Project) -> str:
        data: dict[str, Any] = {"format": request.POST.get("format"), "include": request.POST.get("include", "gold"),
                                "media": request.POST.get("media", "references")}
        if request.POST.get("release", "").strip():
            data["release"] = request.POST["release"].strip()
        if request.POST.get("redact"):  # "boxes,sound", e.g. "blur,mute"
            data["redact"] = dict(zip(("boxes", "sound"), request.POST["redact"].split(",", 1), strict=False))
        job = export_create(project=project, user=actor(request), data=data)
        return f"Export #{job.pk} started."

    return _act(request, pk, run)


@login_required
def start_prelabel(request: HttpRequest, pk: int) -> HttpResponse:
    def run(project: Project) -> str:
        job = prelabel_start(project=project, user=actor(request), data={})
        return f"Pre-label run #{job.pk} started."

    return _act(request, pk, run)
