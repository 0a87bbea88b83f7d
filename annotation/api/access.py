"""Object-level access checks shared by the API views.

A user outside a project gets 404 (its existence is not revealed); a member whose role is too
low gets 403.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import Http404, HttpRequest
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request

from annotation.models import Annotation, Job, Project, Role, Task
from annotation.selectors import has_role, role_in


def require_role(project_id: int, request: Request, minimum: str = Role.ANNOTATOR) -> str:
    role = role_in(project_id, request.user)
    if role is None:
        raise Http404
    if not has_role(project_id, request.user, minimum):
        raise PermissionDenied(f"This needs the {minimum} role in the project.")
    return role


def project_for(request: Request, pk: int, minimum: str = Role.ANNOTATOR) -> Project:
    try:
        project = Project.objects.select_related("dataset").get(pk=pk)
    except (Project.DoesNotExist, ValueError):
        raise Http404 from None
    require_role(project.pk, request, minimum)
    return project


def task_for(request: Request, pk: int, minimum: str = Role.ANNOTATOR) -> Task:
    try:
        task = Task.objects.select_related("project", "item").get(pk=pk)
    except (Task.DoesNotExist, ValueError):
        raise Http404 from None
    role = require_role(task.project_id, request, minimum)
    if role == Role.ANNOTATOR and not task.assignments.filter(annotator=actor(request)).exists():
        raise Http404
    return task


def annotation_for(request: Request, pk: int) -> Annotation:
    try:
        annotation = Annotation.objects.select_related("task__project", "task__item", "annotator").get(pk=pk)
    except (Annotation.DoesNotExist, ValueError):
        raise Http404 from None
    role = require_role(annotation.task.project_id, request)
    if role == Role.ANNOTATOR and annotation.annotator_id != actor(request).pk:
        raise Http404
    return annotation


def actor(request: Request | HttpRequest) -> User:
    """The authenticated user of a request (views run behind IsAuthenticated)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Authentication required.")
    return user


def job_for(request: Request, pk: int, kind: str) -> Job:
    """A job of ``kind`` the caller manages; 404 when it does not exist or the caller is outside its project."""
    try:
        job = Job.objects.select_related("project", "created_by").get(pk=pk, kind=kind)
    except (Job.DoesNotExist, ValueError):
        raise Http404 from None
    require_role(job.project_id, request, Role.MANAGER)
    return job
