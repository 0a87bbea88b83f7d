"""Redis unreachable: annotators keep working, and nothing a client sent gets a 500 because a job can't be queued.

The broker URL points at a loopback port nobody listens on. Transactions really commit here
(``transactional_db``) so the jobs that are queued "on commit" are really attempted.
"""

from __future__ import annotations

import json
import socket
import struct
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from kombu import pools as kombu_pools

from annotation.models import Annotation, Task
from common.models import PendingDispatch
from datasets.models import Asset
from tandem.celery import app


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def broker_down(settings: Any) -> Iterator[str]:
    previous = app.conf.broker_url  # before the settings change: the Celery app reads Django's settings live
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.CELERY_BROKER_URL = url
    _reconnect(url)
    try:
        yield url
    finally:
        _reconnect(previous)


def _reconnect(url: str) -> None:
    """Point the Celery app at ``url`` and drop the connections and producers it holds."""
    app.conf.broker_url = url
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    # kombu also caches producer pools per connection URL, process-wide; a cached one for the
    # restored URL would still hold the pool closed above ("Acquire on closed pool" later).
    kombu_pools.reset()


def test_the_broker_really_is_unreachable(broker_down: str) -> None:
    from kombu.exceptions import OperationalError

    from datasets.tasks import process_asset

    with pytest.raises(OperationalError):
        process_asset.apply_async((1,), retry=False)


def _wav(seconds: int = 1, rate: int = 8000) -> bytes:
    samples = b"".join(struct.pack("<h", 6000 if (i // 10) % 2 else -6000) for i in range(rate * seconds))
    fmt = struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVE" + b"fmt " + fmt + b"data" + struct.pack("<I", len(samples)) + samples


def test_annotators_take_tasks_and_save_while_redis_is_down(transactional_db: None, broker_down: str, project: Any,
                                                             annotator_a: Any, make_items: Any, client_for: Any) -> None:
    (task,) = make_items(project, 1)
    client = client_for(annotator_a)
    client.raise_request_exception = False
    taken = client.post(f"/api/projects/{project.pk}/next/")
    assert taken.status_code == 200
    assert taken.json()["task"]["id"] == task.pk
    created = client.post(f"/api/tasks/{task.pk}/annotations/", {"result": {"regions": []}}, format="json")
    assert created.status_code == 201
    region = {"id": "r1", "track": "speech", "label": "speech", "start_ms": 0, "end_ms": 900}
    saved = client.put(f"/api/annotations/{created.json()['id']}/", {"result": {"regions": [region]}, "version": 1},
                       format="json")
    assert saved.status_code == 200
    assert saved.json()["version"] == 2
    assert client.get(f"/api/tasks/{task.pk}/").status_code == 200
    assert Annotation.objects.get().result == {"regions": [region]}


def test_the_submit_that_completes_a_task_does_not_answer_500_while_redis_is_down(
        transactional_db: None, broker_down: str, project: Any, annotator_a: Any, annotator_b: Any,
        make_items: Any, client_for: Any) -> None:
    (task,) = make_items(project, 1)
    statuses = []
    for user in (annotator_a, annotator_b):
        client = client_for(user)
        client.raise_request_exception = False
        assert client.post(f"/api/projects/{project.pk}/next/").status_code == 200
        draft = client.post(f"/api/tasks/{task.pk}/annotations/", {}, format="json").json()
        statuses.append(client.post(f"/api/annotations/{draft['id']}/submit/", {"version": 1}, format="json").status_code)
    assert Task.objects.get().status == "complete"  # committed before the queueing failed
    assert statuses == [200, 200]
    kept = PendingDispatch.objects.get()
    assert (kept.task_name, kept.args) == ("qa.tasks.compute_task_agreement", [task.pk])


def test_an_import_whose_media_job_cannot_be_queued_does_not_answer_500(
        transactional_db: None, broker_down: str, project: Any, manager: Any, client_for: Any) -> None:
    client = client_for(manager)
    client.raise_request_exception = False
    # The schema's span track is drawn on the "transcript" role, so the item brings that stream too.
    manifest = json.dumps({"streams": [{"role": "media", "upload": "a.wav"}, {"role": "transcript", "text": "Hi."}]})
    response = client.post(f"/api/projects/{project.pk}/import/",
                           {"files": [SimpleUploadedFile("a.wav", _wav())], "manifest": manifest}, format="multipart")
    media = Asset.objects.get(original_name="a.wav")
    assert media.status == "pending"  # committed before the queueing failed
    assert response.status_code == 201, response.content  # the import is done; only its media job waits
    kept = PendingDispatch.objects.get()
    assert (kept.task_name, kept.args) == ("datasets.tasks.process_asset", [media.pk])
    shown = client.get(f"/api/assets/{media.pk}/").json()
    assert (shown["status"], shown["delayed"]) == ("pending", True)
