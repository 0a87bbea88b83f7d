"""Server-rendered pages around the editor: login, projects, the task queue."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import EmptyPage
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render

from annotation.models import Membership, Project, Task, TaskStatus
from annotation.policy import actor, page_project, page_task
from annotation.selectors import projects_for_user, role_in
from annotation.selectors_tasks import FILTERS, page_task_ids, task_list
from annotation.services.assignments import task_next
from common.errors import DomainError
from common.pagination import CountedPaginator
from qa.selectors import returned_drafts


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    projects = [(p, role_in(p.pk, request.user)) for p in projects_for_user(request.user)]
    return render(request, "web/projects.html", {"projects": projects})


TASKS_PER_PAGE = 50


@login_required
def project_page(request: HttpRequest, pk: int) -> HttpResponse:
    project, role = page_project(request.user, pk)
    listing, code = _task_page(request, project)
    return render(request, "web/project.html", {"project": project, "role": role, **listing,
                                                "returned": returned_drafts(project, request.user)}, status=code)


def _task_page(request: HttpRequest, project: Project) -> tuple[dict[str, Any], int]:
    """One page of the project's task list under the filters of the query string, with what the
    filter form and the page links need; a filter that cannot be applied is said, and the list shown
    without filters (with the error's status)."""
    chosen = {name: request.GET[name].strip() for name in FILTERS if request.GET.get(name, "").strip()}
    error, code = "", 200
    try:
        listed = task_list(project, request.user, chosen)
    except DomainError as exc:
        error, code, chosen = exc.detail, exc.status_code, {}
        listed = task_list(project, request.user, chosen)
    paginator = CountedPaginator(listed.counted_ids(), TASKS_PER_PAGE, known_count=listed.known_count,
                                 count_with_page=True)
    try:
        number = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        number = 1
    try:
        page = paginator.page(number)
    except EmptyPage:
        page = paginator.page(paginator.num_pages)
    tasks = Task.objects.filter(pk__in=page_task_ids(page)).select_related("item").order_by("id")
    annotators: list[str] = []
    if listed.peer_work:
        annotators = sorted(Membership.objects.filter(project=project).values_list("user__username", flat=True))
    return {"tasks": tasks, "page": page, "filters": chosen, "filter_error": error, "filter_query": urlencode(chosen),
            "statuses": TaskStatus.values, "annotators": annotators, "peer_work": listed.peer_work}, code


@login_required
def next_task(request: HttpRequest, pk: int) -> HttpResponse:
    project, _ = page_project(request.user, pk)
    if request.method != "POST":
        return redirect("project-page", pk=pk)
    task = task_next(project=project, user=actor(request))
    if task is None:
        listing, _ = _task_page(request, project)
        return render(request, "web/project.html", {"project": project, "role": role_in(pk, request.user), **listing,
                                                      "queue_empty": True})
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
