"""SIGTERM, as Kubernetes and ``docker stop`` send it, to a real Celery worker and a real gunicorn.

The worker runs the production pool (prefork; and solo, where the job runs in the main process)
on the Redis broker, on a queue of this test's own.
Told to stop in the middle of a long video analysis, with a grace period shorter than the job, it
gives the asset back (pending, attempt 1 counted, the job sent again on the broker) and exits 0
within the grace period; told to stop in the middle of a short job, it finishes it first.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction

from annotation.services.imports import project_import
from datasets.models import Asset
from datasets.tasks import process_asset

ROOT = Path(__file__).resolve().parents[2]
GRACE_SECONDS = 1
EXIT_MARGIN_S = 15  # the worker's own shutdown after the job is given back: closing the pool and the broker


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _worker(queue: str, grace: int, log: Path, pool: str = "prefork") -> subprocess.Popen[bytes]:
    env = {**os.environ, "CELERY_BROKER_URL": settings.CELERY_BROKER_URL, "MEDIA_ROOT": str(settings.MEDIA_ROOT),
           "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "tandem.settings",
           "TANDEM_SHUTDOWN_GRACE_SECONDS": str(grace)}
    argv = ["worker", "-Q", queue, "-c", "1", "--pool", pool, "-n", f"{queue}@%h", "--loglevel", "INFO"]
    # Everything this worker sends (the job given back, too) goes to the test's queue.
    code = ("import django; django.setup(); from tandem.celery import app; "
            f"app.conf.task_routes = {{'*': {{'queue': {queue!r}}}}}; app.conf.task_default_queue = {queue!r}; "
            f"app.worker_main({argv!r})")
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT)


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    try:
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.fixture
def queue() -> Iterator[str]:
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("runs a worker on the Redis broker (set REDIS_URL)")
    name = f"sigterm-{uuid.uuid4().hex[:12]}"
    yield name
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete(name)


def _video(path: Path, seconds: int) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=size=160x120:rate=25:duration={seconds}", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={seconds}", "-c:v", "libx264", "-preset", "ultrafast",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)], check=True)


def _upload(project: Any, manager: Any, video: Path, queue: str, monkeypatch: Any) -> Asset:
    monkeypatch.setattr("datasets.services.assets.asset_queue_processing",
                        lambda asset: transaction.on_commit(lambda: process_asset.apply_async((asset.pk,), queue=queue)))
    with video.open("rb") as fh:
        project_import(project=project, user=manager, records=[], uploads={video.name: fh})
    return Asset.objects.get()


def _wait_processing(asset: Asset, worker: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        asset.refresh_from_db()
        if asset.status == "processing" and asset.progress > 1:
            return
        assert asset.status in ("pending", "processing"), asset.status
        assert worker.poll() is None, "the worker died"
        time.sleep(0.1)
    pytest.fail(f"the worker never started the job: {asset.status}")


def _stop(worker: subprocess.Popen[bytes]) -> tuple[int, float]:
    """SIGTERM to the worker's main process only, as an orchestrator sends it; (exit code, seconds to exit)."""
    sent = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    try:
        code = worker.wait(timeout=GRACE_SECONDS + EXIT_MARGIN_S + 30)
    except subprocess.TimeoutExpired:
        pytest.fail("the worker did not exit after SIGTERM")
    return code, time.monotonic() - sent


@pytest.mark.slow
@pytest.mark.worker
@pytest.mark.parametrize("pool", ["prefork", "solo"])  # the job in a pool process; the job in the main process
def test_sigterm_mid_job_gives_the_job_back_to_the_queue_and_the_worker_exits_0_within_the_grace_period(
        transactional_db: None, project: Any, manager: Any, tmp_path: Path, monkeypatch: Any, queue: str,
        started: list[subprocess.Popen[bytes]], pool: str) -> None:
    video = tmp_path / "long.mp4"
    _video(video, 1800)  # about ten seconds of analysis on this machine: far past the 1 s grace
    log = tmp_path / "worker.log"
    worker = _worker(queue, GRACE_SECONDS, log, pool)
    started.append(worker)
    asset = _upload(project, manager, video, queue, monkeypatch)
    _wait_processing(asset, worker, 120)

    code, took = _stop(worker)
    assert code == 0, log.read_text()[-3000:]
    assert GRACE_SECONDS <= took < GRACE_SECONDS + EXIT_MARGIN_S, f"exited after {took:.1f} s"
    asset.refresh_from_db()
    assert (asset.status, asset.attempt, asset.progress, asset.heartbeat_at) == ("pending", 1, 0, None)
    # sent again, on the same queue, for the next worker
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    messages = [json.loads(raw) for raw in broker.lrange(queue, 0, -1)]
    assert [(m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[0]) for m in messages] == [
        ("datasets.tasks.process_asset", [asset.pk])]
    assert "given back to the queue" in log.read_text()


@pytest.mark.slow
@pytest.mark.worker
def test_sigterm_mid_job_lets_a_job_that_ends_within_the_grace_period_finish(
        transactional_db: None, project: Any, manager: Any, tmp_path: Path, monkeypatch: Any, queue: str,
        started: list[subprocess.Popen[bytes]]) -> None:
    video = tmp_path / "short.mp4"
    # Long enough to be caught mid-job by a poll every 0.1 s on a fast machine (8 s of video was done
    # between two polls), short enough to end well within the grace period.
    _video(video, 60)
    log = tmp_path / "worker.log"
    worker = _worker(queue, 120, log)
    started.append(worker)
    asset = _upload(project, manager, video, queue, monkeypatch)
    _wait_processing(asset, worker, 120)

    code, took = _stop(worker)
    assert code == 0, log.read_text()[-3000:]
    assert took < 120
    asset.refresh_from_db()
    assert (asset.status, asset.attempt, asset.progress, asset.error) == ("ready", 1, 100, "")
    assert redis.Redis.from_url(settings.CELERY_BROKER_URL).llen(queue) == 0  # nothing sent again


@pytest.mark.slow
def test_gunicorn_answers_the_request_in_flight_on_sigterm_and_exits_0(
        tmp_path: Path, started: list[subprocess.Popen[bytes]]) -> None:
    """The web command of docker-compose.yml and scripts/serve.sh: a graceful stop, exit code 0."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "TANDEM_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "tandem.settings"}
    log = tmp_path / "web.log"
    web = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "tandem.wsgi", "--bind", f"127.0.0.1:{port}",
                            "--workers", "1", "--threads", "4", "--graceful-timeout", "25"], cwd=ROOT, env=env,
                           stdout=log.open("wb"), stderr=subprocess.STDOUT)
    started.append(web)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                assert response.status == 200
                break
        except OSError:
            assert web.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
        client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # the request is not complete yet
        time.sleep(0.5)
        web.send_signal(signal.SIGTERM)
        time.sleep(1.5)
        assert web.poll() is None, "gunicorn left before the request in flight was answered"
        client.sendall(b"Connection: close\r\n\r\n")
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
    assert b'{"status": "ok"}' in answer  # chunked: the body between its length and the last chunk
    assert web.wait(timeout=30) == 0
    assert "Shutting down: Master" in log.read_text()
