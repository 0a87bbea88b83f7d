"""A real Celery worker renders a redacted export: upload → ready → export job → zip with the rendered clip."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from annotation.models import Annotation, Job, Project
from annotation.services.projects import project_create
from tests.datasets.worker.test_real_worker import worker  # noqa: F401  (the fixture: a real worker on the media queue)

SCHEMA = {"tracks": [{"name": "private", "kind": "redact", "labels": [{"value": "face"}, {"value": "voice"}]}]}


def _wait(check: Any, proc: Any, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        assert proc.poll() is None, "the worker died"
        time.sleep(0.5)
    raise AssertionError("the worker did not finish in time")


@pytest.mark.worker
def test_a_real_worker_renders_a_redacted_export(worker: Any, manager: User, import_files: Any,  # noqa: F811
                                                 clip: Path, django_capture_on_commit_callbacks: Any) -> None:
    project: Project = project_create(user=manager, name="Redacted", schema=SCHEMA, overlap=1)
    with django_capture_on_commit_callbacks(execute=True):
        task, (asset,) = import_files(project, [clip])
    _wait(lambda: (asset.refresh_from_db() or asset.status) in ("ready", "failed"), worker)
    assert asset.status == "ready", asset.error
    box = {"x": 0.5, "y": 0.5, "w": 0.25, "h": 0.25}
    Annotation.objects.create(task=task, annotator=None, kind="gold", status="submitted", result={"regions": [
        {"id": "f", "track": "private", "label": "face", "keyframes": [{"time_ms": 1000, **box},
                                                                      {"time_ms": 3000, **box}]},
        {"id": "v", "track": "private", "label": "voice", "start_ms": 1500, "end_ms": 2500}]})
    client = APIClient()
    client.force_authenticate(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/projects/{project.pk}/exports/", {"format": "jsonl", "redact": True},
                               format="json")
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["id"])
    _wait(lambda: (job.refresh_from_db() or job.status) in ("succeeded", "failed"), worker)
    assert (job.status, job.error, job.progress) == ("succeeded", "", 100)
    with default_storage.open(job.file_key, "rb") as fh, zipfile.ZipFile(io.BytesIO(fh.read())) as z:
        assert sorted(z.namelist()) == ["export.jsonl", f"media/{task.item_id}/clip.mp4"]
        assert asset.storage_key.encode() not in z.read("export.jsonl")
        rendered = z.read(f"media/{task.item_id}/clip.mp4")
    with av.open(io.BytesIO(rendered)) as c:
        frames = [f.to_ndarray(format="gray").astype(float) for f in c.decode(video=0)]
    with av.open(io.BytesIO(rendered)) as c:
        sound = np.concatenate([f.to_ndarray()[0] for f in c.decode(audio=0)])
        rate = c.streams.audio[0].rate
    with av.open(str(clip)) as c:
        source = [f.to_ndarray(format="gray").astype(float) for f in c.decode(video=0)]
    assert len(frames) == len(source) == 100
    inner = (slice(124, 176), slice(164, 236))  # the box's pixels, 4 px in from its edges
    def detail(a: np.ndarray) -> float:  # mean gradient: what a blur takes away, whatever the picture
        return float(np.abs(np.diff(a, axis=0)).mean() + np.abs(np.diff(a, axis=1)).mean())

    for n in (25, 50, 75):
        assert detail(frames[n][inner]) < 0.25 * detail(source[n][inner]), n
    assert np.abs(frames[10][inner] - source[10][inner]).mean() < 3  # before the track: untouched
    assert np.sqrt(np.mean(sound[int(1.6 * rate):int(2.4 * rate)] ** 2)) < 1e-4
    assert np.sqrt(np.mean(sound[int(0.5 * rate):int(1.3 * rate)] ** 2)) > 0.08  # ffmpeg's sine: amplitude 1/8
