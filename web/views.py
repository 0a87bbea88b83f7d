"""Server-rendered pages around the editor: login, projects, the task queue."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render

from annotation.policy import actor, page_project, page_task, tasks_visible, user_sees_peer_work
from annotation.selectors import projects_for_user, role_in
from annotation.services.assignments import task_next
from qa.selectors import returned_drafts


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    projects = [(p, role_in(p.pk, request.user)) for p in projects_for_user(request.user)]
    return render(request, "web/projects.html", {"projects": projects})


@login_required
def project_page(request: HttpRequest, pk: int) -> HttpResponse:
    project, role = page_project(request.user, pk)
    tasks = tasks_visible(project, request.user)
    return render(request, "web/project.html", {"project": project, "role": role, "tasks": tasks[:200],
                                                "peer_work": user_sees_peer_work(request.user, project.pk),
                                                "returned": returned_drafts(project, request.user)})


@login_required
def next_task(request: HttpRequest, pk: int) -> HttpResponse:
    project, _ = page_project(request.user, pk)
    if request.method != "POST":
        return redirect("project-page", pk=pk)
    task = task_next(project=project, user=actor(request))
    if task is None:
        return render(request, "web/project.html", {"project": project, "role": role_in(pk, request.user),
                                                      "peer_work": user_sees_peer_work(request.user, pk),
                                                      "tasks": [], "queue_empty": True})
    return redirect("task-annotate", pk=task.pk)


@login_required
def editor(request: HttpRequest, pk: int) -> HttpResponse:
    task, role = page_task(request.user, pk)
    boot = {
        "mode": "annotate", "taskId": task.pk, "reviewItemId": None, "projectId": task.project_id,
        "apiBase": "/api", "csrfToken": get_token(request),
        "user": {"id": request.user.pk, "username": request.user.get_username(), "role": role},
    }
    return render(request, "web/editor.html", {"boot": boot, "task": task})
