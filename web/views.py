"""Server-rendered pages around the editor: login, projects, the task queue."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render

from annotation.api.access import actor
from annotation.models import Project, Role, Task
from annotation.selectors import projects_for_user, role_in
from annotation.services.assignments import task_next


def _project(request: HttpRequest, pk: int) -> tuple[Project, str]:
    project = Project.objects.filter(pk=pk).first()
    role = role_in(pk, request.user) if project else None
    if project is None or role is None:
        raise Http404
    return project, role


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    projects = [(p, role_in(p.pk, request.user)) for p in projects_for_user(request.user)]
    return render(request, "web/projects.html", {"projects": projects})


@login_required
def project_page(request: HttpRequest, pk: int) -> HttpResponse:
    project, role = _project(request, pk)
    tasks = Task.objects.filter(project=project).select_related("item").order_by("id")
    if role == Role.ANNOTATOR:
        tasks = tasks.filter(assignments__annotator=actor(request))
    return render(request, "web/project.html", {"project": project, "role": role, "tasks": tasks[:200]})


@login_required
def next_task(request: HttpRequest, pk: int) -> HttpResponse:
    project, _ = _project(request, pk)
    if request.method != "POST":
        return redirect("project-page", pk=pk)
    task = task_next(project=project, user=actor(request))
    if task is None:
        return render(request, "web/project.html", {"project": project, "role": role_in(pk, request.user),
                                                      "tasks": [], "queue_empty": True})
    return redirect("task-annotate", pk=task.pk)


@login_required
def editor(request: HttpRequest, pk: int) -> HttpResponse:
    task = Task.objects.select_related("project").filter(pk=pk).first()
    if task is None:
        raise Http404
    role = role_in(task.project_id, request.user)
    if role is None or (role == Role.ANNOTATOR and not task.assignments.filter(annotator=actor(request)).exists()):
        raise Http404
    boot = {
        "mode": "annotate", "taskId": task.pk, "reviewItemId": None, "projectId": task.project_id,
        "apiBase": "/api", "csrfToken": get_token(request),
        "user": {"id": request.user.pk, "username": request.user.get_username(), "role": role},
    }
    return render(request, "web/editor.html", {"boot": boot, "task": task})
