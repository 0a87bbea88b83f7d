"""The world of the route matrix: two projects built the same way, their people and signed-in sessions.

Built once per module inside a transaction that is rolled back at the end; the test wraps each
request in a savepoint of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from annotation.models import Annotation, Assignment, Job, JobStatus, Project, Task, TaskStatus
from annotation.services.annotations import annotation_create
from annotation.services.assignments import task_next, task_skip
from annotation.services.imports import project_import
from annotation.services.projects import member_set, project_create, project_update
from datasets import media as media_versions
from datasets.models import Asset, DerivedMedia, Stream
from datasets.services.derived import derived_record
from datasets.services.uploads import upload_create
from qa.models import ReviewItem
from tests.conftest import SCHEMA

VAD = {"prelabeler": "vad", "track": "speech", "label": "speech", "stream": "mic"}
EMPTY_RESULT: dict[str, Any] = {"regions": []}
THUMB = "thumb-0.jpg"


@dataclass
class Side:
    """One project and the objects each route is aimed at (``kw[target]`` are the URL kwargs)."""

    project: Project
    kw: dict[str, dict[str, Any]] = field(default_factory=dict)
    spare: str = ""  # a member whose removal the member routes try


def _user(name: str, **extra: Any) -> User:
    return User.objects.create_user(username=name, password=f"{name}-pass-123", **extra)


def _side(name: str, manager: User, reviewer: User, annotator: User, peer: User, unassigned: User) -> Side:
    project = project_create(user=manager, name=name, schema=SCHEMA, overlap=2)
    for member, role in ((reviewer, "reviewer"), (annotator, "annotator"), (peer, "annotator"),
                         (unassigned, "annotator")):
        member_set(project=project, user=manager, member=member, role=role)
    project = project_update(project=project, user=manager, data={"prelabelers": [VAD]})
    records = [{"external_id": f"{name}-{i}", "duration_ms": 60_000,
                "streams": [{"role": "transcript", "text": "Alice met Bob in Paris."}]} for i in range(5)]
    ids = project_import(project=project, user=manager, records=records, uploads={})["task_ids"]
    task, gold_task, review_task, skipped_task, _spare = Task.objects.filter(pk__in=ids).order_by("id")

    # The annotator and the peer both hold the task, each with a draft of their own.
    for person in (annotator, peer):
        assert task_next(project=project, user=person) == task
        annotation_create(task=task, user=person, result=EMPTY_RESULT)
    mine = Annotation.objects.get(task=task, annotator=annotator)
    # The annotator also skipped a task after starting a draft on it.
    Assignment.objects.create(task=skipped_task, annotator=annotator, lease_expires_at=timezone.now() + timedelta(hours=1))
    skipped = Annotation.objects.create(task=skipped_task, annotator=annotator, result=EMPTY_RESULT)
    task_skip(task=skipped_task, user=annotator)

    gold = Annotation.objects.create(task=gold_task, kind="gold", status="submitted", result=EMPTY_RESULT,
                                     submitted_at=timezone.now())
    Task.objects.filter(pk=gold_task.pk).update(status=TaskStatus.GOLD)
    queued = ReviewItem.objects.create(task=task, project_id_cache=project.pk, reasons=[{"kind": "audit"}],
                                       reason_kinds=",audit,")
    Task.objects.filter(pk=review_task.pk).update(status=TaskStatus.REVIEW)
    claimed = ReviewItem.objects.create(task=review_task, project_id_cache=project.pk, reasons=[{"kind": "audit"}],
                                        reason_kinds=",audit,", state="claimed", claimed_by=reviewer,
                                        claim_expires_at=timezone.now() + timedelta(hours=1))

    stream = task.item.streams.get()
    asset = stream.asset
    # A recording still being processed: its waveform answers "not ready" to whoever may see it.
    audio = Asset.objects.create(dataset=project.dataset, kind="audio", storage_key=f"matrix/{name}/mic.wav",
                                 status="pending", created_by=manager)
    Stream.objects.create(item=task.item, asset=audio, role="mic")
    prefix = f"derived/matrix/{asset.pk}/"
    default_storage.save(prefix + THUMB, ContentFile(b"\xff\xd8\xff\xe0 a thumbnail"))
    default_storage.save(prefix + "frames.json", ContentFile(b'{"fps": 25.0, "frames_ms": [0, 40, 80]}'))
    derived = derived_record(asset, DerivedMedia.Kind.VIDEO, media_versions.VIDEO_ANALYSIS_VERSION, prefix, {
        "shots": [{"start_ms": 0, "end_ms": 80, "thumb": THUMB}], "keyframes_ms": [0], "filmstrips": [],
        "frames_file": "frames.json"})

    upload = upload_create(dataset=project.dataset, filename="take.wav", size=10, user=manager)
    export_file = default_storage.save(f"exports/matrix/{project.pk}/export.jsonl", ContentFile(b"{}\n"))
    export = Job.objects.create(project=project, kind=Job.Kind.EXPORT, status=JobStatus.SUCCEEDED, created_by=manager,
                                params={"format": "jsonl"}, file_key=export_file, progress=100,
                                result={"file_name": "export.jsonl", "mime_type": "application/x-ndjson", "bytes": 3})
    failed_export = Job.objects.create(project=project, kind=Job.Kind.EXPORT, status=JobStatus.FAILED,
                                       created_by=manager, params={"format": "jsonl", "include": "gold"},
                                       error="disk full")
    prelabel = Job.objects.create(project=project, kind=Job.Kind.PRELABEL, status=JobStatus.SUCCEEDED,
                                  created_by=manager, params={"prelabelers": ["vad"], "tasks": None}, progress=100)
    p, t = {"pk": project.pk}, {"pk": task.pk}
    return Side(project=project, spare=unassigned.username, kw={
        "project": p, "task": t, "annotation": {"pk": mine.pk}, "skipped": {"pk": skipped.pk},
        "gold": {"pk": gold.pk}, "gold_task": {"pk": gold_task.pk},
        "review": {"pk": queued.pk}, "claimed": {"pk": claimed.pk},
        "asset": {"pk": asset.pk}, "audio": {"pk": audio.pk}, "item": {"pk": task.item_id}, "derived": {"pk": asset.pk, "derived_id": derived.pk, "name": THUMB},
        "stream": {"pk": stream.pk}, "project_stream": {**p, "stream_id": stream.pk},
        "upload": {"pk": upload.pk}, "export": {"pk": export.pk}, "failed_export": {"pk": failed_export.pk},
        "prelabel": {"pk": prelabel.pk}, "member": {**p, "user_id": unassigned.pk},
    })


@dataclass
class World:
    own: Side
    other: Side
    sessions: dict[str, str]  # persona → session key
    usernames: dict[str, str]
    client: Client  # one client for every request: building its handler (middleware, static files) is slow


@pytest.fixture(autouse=True)
def _media_root() -> None:
    """Replaces the per-test media folder of tests/conftest.py: the world's files live in one folder per module."""


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    media_root = tmp_path_factory.mktemp("matrix-media")
    overrides = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=str(media_root), VAR_DIR=tmp_path_factory.mktemp("matrix-var"),
        STORAGES={**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                   "OPTIONS": {"location": str(media_root)}}},
    )
    with overrides, django_db_blocker.unblock(), transaction.atomic():
        cache.clear()  # login throttles count in the cache
        people = {name: _user(name, is_staff=name in ("manager", "outsider"))
                  for name in ("manager", "reviewer", "annotator_a", "annotator_b", "annotator_c", "outsider",
                               "non_member", "newcomer", "q_reviewer", "q_annotator", "q_peer", "q_unassigned")}
        own = _side("Interviews", people["manager"], people["reviewer"], people["annotator_a"],
                    people["annotator_b"], people["annotator_c"])
        other = _side("Someone else's", people["outsider"], people["q_reviewer"], people["q_annotator"],
                      people["q_peer"], people["q_unassigned"])
        who = {"non_member": "non_member", "annotator": "annotator_a", "peer": "annotator_b",
               "unassigned": "annotator_c", "reviewer": "reviewer", "other_manager": "outsider", "manager": "manager"}
        sessions = {}
        for persona, name in who.items():
            client = Client()
            client.force_login(people[name])
            sessions[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
        yield World(own=own, other=other, sessions=sessions, usernames=who, client=Client())
        transaction.set_rollback(True)
