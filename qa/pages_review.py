"""The reviewer's way into the loop from the quality page: claim the next queued item and open it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from annotation.models import Role
from annotation.policy import actor, page_project
from qa.services.review import review_next


@login_required
@require_POST
def review_next_page(request: HttpRequest, pk: int) -> HttpResponse:
    project, _ = page_project(request.user, pk, Role.REVIEWER)
    item = review_next(project=project, user=actor(request))
    if item is None:
        messages.info(request, "Nothing waits for review.")
        return redirect("project-quality", pk=project.pk)
    return redirect("review-page", pk=item.pk)
