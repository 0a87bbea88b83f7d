"""A synthetic three-annotator project whose disagreements are known in advance.

``annotator_a`` is the reference, ``annotator_b`` shifts every boundary by +200 ms and
``annotator_c`` swaps the labels of the first two segments (speech <-> music).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from annotation.models import Project, Task
from annotation.services.projects import member_set, project_update

DURATION_MS = 15_000
REFERENCE = [(1000, 5000, "speech"), (6000, 9000, "music"), (10000, 14000, "speech")]
SHIFTED = [(s + 200, e + 200, lab) for s, e, lab in REFERENCE]
SWAPPED = [(1000, 5000, "music"), (6000, 9000, "speech"), (10000, 14000, "speech")]


def result_of(segments: list[tuple[int, int, str]], **extra: Any) -> dict[str, Any]:
    """An annotation result with one region per (start, end, label) on the speech track."""
    return {"regions": [{"id": f"r{i}", "track": "speech", "label": lab, "start_ms": s, "end_ms": e, **extra}
                        for i, (s, e, lab) in enumerate(segments)]}



@pytest.fixture
def annotator_c(db: None) -> User:
    return User.objects.create_user(username="annotator_c", password="annotator_c-pass-123")


@pytest.fixture
def reviewer_2(db: None) -> User:
    return User.objects.create_user(username="reviewer_2", password="reviewer_2-pass-123")


@pytest.fixture
def trio(project: Project, manager: User, annotator_c: User, reviewer_2: User) -> Project:
    """The shared project with overlap 3 and a third annotator and a second reviewer."""
    member_set(project=project, user=manager, member=annotator_c, role="annotator")
    member_set(project=project, user=manager, member=reviewer_2, role="reviewer")
    return project_update(project=project, user=manager, data={"overlap": 3})


@pytest.fixture
def annotate(client_for: Callable[[User], APIClient], django_capture_on_commit_callbacks: Any) -> Callable[..., None]:
    """Each user takes their next task over REST, saves the given result and submits it, in order.

    Commit callbacks run inline, so a completed task's agreement, routing and gold happen here.
    """

    def run(project: Project, plan: list[tuple[User, Task, dict[str, Any]]]) -> None:
        for user, task, result in plan:
            client = client_for(user)
            with django_capture_on_commit_callbacks(execute=True):
                taken = client.post(f"/api/projects/{project.pk}/next/")
                assert taken.status_code == 200, taken.content
                assert taken.json()["task"]["id"] == task.pk
                created = client.post(f"/api/tasks/{task.pk}/annotations/", {"result": result}, format="json")
                assert created.status_code == 201, created.content
                submitted = client.post(f"/api/annotations/{created.json()['id']}/submit/", {}, format="json")
                assert submitted.status_code == 200, submitted.content

    return run


@pytest.fixture
def disputed(trio: Project, make_items: Callable[..., list[Task]], annotate: Callable[..., None], eager: None,
             annotator_a: User, annotator_b: User, annotator_c: User) -> Task:
    """One task annotated by the reference, the shifter and the swapper."""
    (task,) = make_items(trio, 1, duration_ms=DURATION_MS)
    annotate(trio, [(annotator_a, task, result_of(REFERENCE)), (annotator_b, task, result_of(SHIFTED)),
                    (annotator_c, task, result_of(SWAPPED))])
    task.refresh_from_db()
    return task
