"""Shared pieces of the reliability tests: a manager's token and a project with real objects to aim at."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.authtoken.models import Token

from annotation.models import Annotation, Project, Task
from annotation.services.annotations import annotation_create
from annotation.services.assignments import assignment_ensure
from annotation.services.exports import export_create
from qa.models import ReviewItem


@pytest.fixture
def stored_files(settings: Any) -> Callable[[], list[str]]:
    """Every file below the storage root, relative, sorted (to prove nothing half-written was left)."""

    def list_files() -> list[str]:
        base = Path(settings.MEDIA_ROOT)
        return sorted(str(p.relative_to(base)) for p in base.rglob("*") if p.is_file())

    return list_files


@pytest.fixture
def manager_token(manager: User) -> str:
    return Token.objects.create(user=manager).key


@pytest.fixture
def in_process_wsgi() -> Iterator[None]:
    """Keep the test's database connection across in-process WSGI requests, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def targets(project: Project, manager: User, annotator_a: User, make_items: Any) -> dict[str, int]:
    """Real ids for each kind of object a path names, so generated requests reach past the 404."""
    tasks: list[Task] = make_items(project, 3)
    assignment_ensure(task=tasks[0], user=manager)  # only someone holding a task has a draft on it
    assignment_ensure(task=tasks[1], user=annotator_a)
    own, _ = annotation_create(task=tasks[0], user=manager, result={"regions": []})
    annotation_create(task=tasks[1], user=annotator_a, result={"regions": []})
    review = ReviewItem.objects.create(task=tasks[2], project_id_cache=project.pk, reasons=[{"kind": "audit"}],
                                       reason_kinds="audit")
    job = export_create(project=project, user=manager, data={"format": "jsonl"})
    asset_id = tasks[0].item.streams.get().asset_id
    assert Annotation.objects.filter(task__project=project).count() == 2
    return {"projects": project.pk, "tasks": tasks[0].pk, "annotations": own.pk, "assets": asset_id,
            "exports": job.pk, "review-items": review.pk, "prelabel-jobs": job.pk}
