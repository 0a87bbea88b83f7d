"""A Celery worker SIGKILLed in the middle of a long media job: the job comes back and the asset ends ready.

The job is published to a queue of this test's own on the Redis broker (so no other worker takes
it). The first worker runs with the production settings (acks_late, reject_on_worker_lost); it is
killed while it analyses the video. The replacement worker is started with a short Redis
visibility timeout so that the unacknowledged job is handed out again within seconds instead of
the production hour.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction

from annotation.services.imports import project_import
from datasets.models import Asset, DerivedMedia
from datasets.tasks import process_asset

ROOT = Path(__file__).resolve().parents[2]


def _worker(queue: str, visibility_timeout: int | None) -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    env = {**os.environ, "CELERY_BROKER_URL": settings.CELERY_BROKER_URL, "MEDIA_ROOT": str(settings.MEDIA_ROOT),
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "DJANGO_SETTINGS_MODULE": "tandem.settings"}
    options = "" if visibility_timeout is None else (
        f"app.conf.broker_transport_options = {{'visibility_timeout': {visibility_timeout}, "
        "'unacked_restore_interval': 1, 'unacked_restore_throttle': 1}; ")
    code = ("import django; django.setup(); from tandem.celery import app; " + options +
            f"app.worker_main(['worker', '-Q', '{queue}', '-c', '1', '--pool', 'solo', '--loglevel', 'WARNING'])")
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env)


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    try:
        yield started
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def _long_video(path: Path) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=600",
                    "-f", "lavfi", "-i", "sine=frequency=440:duration=600", "-c:v", "libx264", "-preset", "ultrafast",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)], check=True)


def _artifact_files_complete(row: DerivedMedia) -> bool:
    folder = Path(settings.MEDIA_ROOT) / row.storage_prefix
    names = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
    expected = {"frames.json"} if row.kind == "video" else set()
    return bool(names) and expected <= names


@pytest.mark.slow
@pytest.mark.worker
def test_a_worker_killed_mid_job_is_replaced_and_the_job_is_redelivered_to_completion(
        transactional_db: None, project: Any, manager: Any, tmp_path: Path, monkeypatch: Any,
        workers: list[subprocess.Popen[bytes]]) -> None:
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("this test is about the Redis broker (set REDIS_URL)")
    assert (settings.CELERY_TASK_ACKS_LATE, settings.CELERY_TASK_REJECT_ON_WORKER_LOST) == (True, True)
    queue = f"reliability-{uuid.uuid4().hex[:12]}"
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    monkeypatch.setattr("datasets.services.assets.asset_queue_processing",
                        lambda asset: transaction.on_commit(lambda: process_asset.apply_async((asset.pk,), queue=queue)))
    video = tmp_path / "long.mp4"
    _long_video(video)
    first = _worker(queue, None)
    workers.append(first)
    with video.open("rb") as fh:
        project_import(project=project, user=manager, records=[], uploads={"long.mp4": fh})
    asset = Asset.objects.get()
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            asset.refresh_from_db()
            if 40 < asset.progress < 75:  # the video analysis stage: waveform done, shots half-way
                break
            assert first.poll() is None, "the worker died by itself"
            assert asset.status != "ready", "the job finished before it could be interrupted"
            time.sleep(0.05)
        else:
            pytest.fail(f"the job never reached the video stage (progress {asset.progress})")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        asset.refresh_from_db()
        killed_at = asset.progress
        rows_at_kill = list(DerivedMedia.objects.filter(asset=asset))
        assert asset.status == "processing"
        assert {r.kind for r in rows_at_kill} <= {"waveform"}, "an artifact was recorded before it was written"
        assert all(_artifact_files_complete(r) for r in rows_at_kill)
        time.sleep(2)
        asset.refresh_from_db()
        assert (asset.status, asset.progress) == ("processing", killed_at)  # nobody is working on it now

        workers.append(_worker(queue, visibility_timeout=2))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            asset.refresh_from_db()
            if asset.status in ("ready", "failed"):
                break
            assert workers[-1].poll() is None, "the replacement worker died"
            time.sleep(0.5)
        assert (asset.status, asset.error, asset.progress) == ("ready", "", 100)
        rows = DerivedMedia.objects.filter(asset=asset)
        assert sorted(r.kind for r in rows) == ["video", "waveform"]
        assert all(_artifact_files_complete(r) for r in rows)
        assert asset.duration_ms == 600_000
        assert asset.meta["waveform_levels"][:2] == [256, 512]
        assert broker.llen(queue) == 0
    finally:
        broker.delete(queue)
