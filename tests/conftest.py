"""Personas and factories shared by the Django tests.

Fixed personas (healthchecks style): ``manager``, ``reviewer``, ``annotator_a``, ``annotator_b``
are members of ``project``; ``outsider`` belongs to ``other_project`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from annotation.models import Project, Task
from annotation.services.imports import project_import
from annotation.services.projects import member_set, project_create

SCHEMA: dict[str, Any] = {
    "tracks": [
        {"name": "speech", "kind": "segment", "labels": [{"value": "speech", "hotkey": "1"}, {"value": "music", "hotkey": "2"}],
         "attributes": [{"name": "speaker", "type": "choice", "choices": ["A", "B"]}]},
        {"name": "events", "kind": "point", "labels": [{"value": "clap", "hotkey": "c"}]},
        {"name": "words", "kind": "transcript"},
        {"name": "entities", "kind": "span", "stream": "transcript", "labels": [{"value": "PER", "hotkey": "p"}]},
        {"name": "faces", "kind": "box", "labels": [{"value": "face", "hotkey": "f"}]},
        {"name": "links", "kind": "relation", "labels": [{"value": "refers_to"}]},
    ]
}


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast personas
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
    settings.VAR_DIR = tmp_path_factory.mktemp("var")
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": settings.MEDIA_ROOT}}}


def _user(name: str, **extra: Any) -> User:
    return User.objects.create_user(username=name, password=f"{name}-pass-123", **extra)


@pytest.fixture
def manager(db: None) -> User:
    return _user("manager", is_staff=True)


@pytest.fixture
def reviewer(db: None) -> User:
    return _user("reviewer")


@pytest.fixture
def annotator_a(db: None) -> User:
    return _user("annotator_a")


@pytest.fixture
def annotator_b(db: None) -> User:
    return _user("annotator_b")


@pytest.fixture
def outsider(db: None) -> User:
    return _user("outsider", is_staff=True)


@pytest.fixture
def project(manager: User, reviewer: User, annotator_a: User, annotator_b: User) -> Project:
    project = project_create(user=manager, name="Interviews", schema=SCHEMA, overlap=2)
    member_set(project=project, user=manager, member=reviewer, role="reviewer")
    member_set(project=project, user=manager, member=annotator_a, role="annotator")
    member_set(project=project, user=manager, member=annotator_b, role="annotator")
    return project


@pytest.fixture
def other_project(outsider: User) -> Project:
    return project_create(user=outsider, name="Someone else's", schema=SCHEMA, overlap=1)


@pytest.fixture
def make_items(manager: User) -> Callable[..., list[Task]]:
    """Import n text-only items (fast: no media decoding) and return their tasks."""

    def make(project: Project, n: int = 1, text: str = "Alice met Bob in Paris.", duration_ms: int = 60_000) -> list[Task]:
        records = [{"external_id": f"item-{i}", "duration_ms": duration_ms,
                    "streams": [{"role": "transcript", "text": text}]} for i in range(n)]
        result = project_import(project=project, user=manager, records=records, uploads={})
        return list(Task.objects.filter(pk__in=result["task_ids"]).order_by("id"))

    return make


@pytest.fixture
def eager(settings: Any) -> Iterator[None]:
    """Celery tasks queued (after commit) run inline, as a worker would run them."""
    from tandem.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def client_for() -> Callable[[User], APIClient]:
    def make(user: User) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make
