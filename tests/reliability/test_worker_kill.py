"""A Celery worker SIGKILLed in the middle of a long media job: the reaper sends the job again in seconds.

The job goes to a queue of this test's own on the Redis broker (so no other worker takes it).
Both workers run with the production broker settings (acks_late, reject_on_worker_lost and the
3,600 s visibility timeout, after which Redis alone would hand the job out again) and a stale
setting of 10 s instead of 120 s. The first one is killed while it analyses the video; the second
runs beat (``-B``), whose reaper finds the asset's heartbeat stopped, puts it back to pending and
sends it again. The time from the kill to the new claim is measured and must stay under 5 minutes.
"""

from __future__ import annotations

import json
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
STALE_SECONDS = 10
REDISPATCH_LIMIT_S = 300


def _worker(queue: str, beat: Path | None) -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    env = {**os.environ, "CELERY_BROKER_URL": settings.CELERY_BROKER_URL, "MEDIA_ROOT": str(settings.MEDIA_ROOT),
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "DJANGO_SETTINGS_MODULE": "tandem.settings", "TANDEM_JOB_STALE_SECONDS": str(STALE_SECONDS)}
    argv = ["worker", "-Q", queue, "-c", "1", "--pool", "solo", "--loglevel", "WARNING"]
    if beat is not None:
        argv += ["-B", "-s", str(beat)]
    # Everything this worker (and its reaper) sends goes to the test's queue.
    code = ("import django; django.setup(); from tandem.celery import app; "
            f"app.conf.task_routes = {{'*': {{'queue': {queue!r}}}}}; app.conf.task_default_queue = {queue!r}; "
            f"app.worker_main({argv!r})")
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


def _forget_unacked(broker: redis.Redis, queue: str) -> None:
    """Drop the killed worker's unacknowledged message, which Redis would restore to this queue in an hour."""
    for tag, raw in broker.hgetall("unacked").items():
        if json.loads(raw)[2] == queue:
            broker.hdel("unacked", tag)
            broker.zrem("unacked_index", tag)


def _wait(asset: Asset, done: Any, seconds: float, worker: subprocess.Popen[bytes]) -> float:
    """Poll the asset until ``done(asset)``; returns the monotonic time it happened."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        asset.refresh_from_db()
        if done(asset):
            return time.monotonic()
        assert worker.poll() is None, "the worker died"
        time.sleep(0.2)
    pytest.fail(f"gave up waiting: {asset.status}, progress {asset.progress}, attempt {asset.attempt}")


@pytest.mark.slow
@pytest.mark.worker
def test_a_worker_killed_mid_job_has_its_job_sent_again_by_the_reaper_and_finished_once(
        transactional_db: None, project: Any, manager: Any, tmp_path: Path, monkeypatch: Any,
        workers: list[subprocess.Popen[bytes]], capsys: Any) -> None:
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("this test is about the Redis broker (set REDIS_URL)")
    assert (settings.CELERY_TASK_ACKS_LATE, settings.CELERY_TASK_REJECT_ON_WORKER_LOST) == (True, True)
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] == 3600
    queue = f"reliability-{uuid.uuid4().hex[:12]}"
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    monkeypatch.setattr("datasets.services.assets.asset_queue_processing",
                        lambda asset: transaction.on_commit(lambda: process_asset.apply_async((asset.pk,), queue=queue)))
    video = tmp_path / "long.mp4"
    _long_video(video)
    first = _worker(queue, beat=None)
    workers.append(first)
    with video.open("rb") as fh:
        project_import(project=project, user=manager, records=[], uploads={"long.mp4": fh})
    asset = Asset.objects.get()
    try:
        # the video analysis stage: waveform done, shots half-way
        _wait(asset, lambda a: 40 < a.progress < 75 or a.status == "ready", 90, first)
        assert (asset.status, asset.attempt) == ("processing", 1), "the job finished before it could be interrupted"
        os.kill(first.pid, signal.SIGKILL)
        killed = time.monotonic()
        first.wait(timeout=10)
        asset.refresh_from_db()
        rows_at_kill = list(DerivedMedia.objects.filter(asset=asset))
        assert (asset.status, asset.attempt) == ("processing", 1)
        assert {r.kind for r in rows_at_kill} <= {"waveform"}, "an artifact was recorded before it was written"
        assert all(_artifact_files_complete(r) for r in rows_at_kill)

        second = _worker(queue, beat=tmp_path / "beat-schedule")
        workers.append(second)
        claimed = _wait(asset, lambda a: a.attempt == 2, REDISPATCH_LIMIT_S, second)
        redispatched_s = claimed - killed
        # not before the heartbeat (every STALE_SECONDS / 4) could have gone stale, and well within 5 minutes
        assert STALE_SECONDS * 3 / 4 <= redispatched_s < REDISPATCH_LIMIT_S
        finished = _wait(asset, lambda a: a.status in ("ready", "failed"), 180, second)
        with capsys.disabled():
            print(f"\nSIGKILL → claimed again: {redispatched_s:.1f} s; → ready: {finished - killed:.1f} s")
        assert (asset.status, asset.error, asset.progress, asset.attempt) == ("ready", "", 100, 2)
        rows = DerivedMedia.objects.filter(asset=asset)
        assert sorted(r.kind for r in rows) == ["video", "waveform"]
        assert all(_artifact_files_complete(r) for r in rows)
        assert [r.pk for r in rows if r.kind == "waveform"] == [r.pk for r in rows_at_kill]  # kept, not redone
        assert asset.duration_ms == 600_000
        assert asset.meta["waveform_levels"][:2] == [256, 512]

        # The original message, delivered late (Redis would, an hour on), finds the asset done.
        before = (asset.updated_at, sorted(rows.values_list("pk", "updated_at")))
        process_asset.apply_async((asset.pk,), queue=queue)
        deadline = time.monotonic() + 30
        while broker.llen(queue) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)
        asset.refresh_from_db()
        assert (asset.status, asset.attempt) == ("ready", 2)
        assert (asset.updated_at, sorted(DerivedMedia.objects.filter(asset=asset).values_list("pk", "updated_at"))) == before
    finally:
        _forget_unacked(broker, queue)
        broker.delete(queue)
