"""The production shape on loopback, as two hosts that share only PostgreSQL, Redis and an S3 server.

Host A runs a web process (gunicorn) and a worker that builds exports; host B runs a web process
and a worker that processes media. Each process starts in an empty folder of its own (its working
directory, TANDEM_VAR_DIR, MEDIA_ROOT and TMPDIR), with storage in an S3-compatible server the
test starts (moto). An upload through web A is processed by worker B, its waveform is served by
web B, an export built by worker A is downloaded through web B; a resumable upload sends its first
chunk to web A and the rest to web B; an annotation-import preview made on web A is confirmed on
web B. At the end neither host's folder holds a file: everything that outlives a request or a job
is in the database, Redis or the bucket.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import socket
import struct
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
import redis
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from rest_framework.authtoken.models import Token

from annotation.models import Prediction
from datasets.models import Asset
from tests.deploy.two_hosts_settings import EXPORTS_QUEUE, MEDIA_QUEUE

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "tandem-two-hosts"
SCHEMA = {"tracks": [{"name": "speech", "kind": "segment", "labels": [{"value": "speech"}]}]}
SECRET_KEY = "two-hosts-" + "k" * 50
RATE, SECONDS = 16_000, 3


@dataclass
class Host:
    name: str
    root: Path
    web: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes]
    url: str
    web_log: Path
    worker_log: Path


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wav(frequency: int = 440) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", int(9000 * math.sin(2 * math.pi * frequency * n / RATE)))
                               for n in range(RATE * SECONDS)))
    return out.getvalue()


@pytest.fixture
def s3() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing",
                 region_name="us-east-1").create_bucket(Bucket=BUCKET)
    try:
        yield endpoint
    finally:
        server.stop()


@pytest.fixture
def hosts(transactional_db: None, s3: str, tmp_path: Path) -> Iterator[dict[str, Host]]:
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("the two hosts share a Redis broker (set REDIS_URL)")
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    logs = tmp_path / "logs"  # outside both hosts' folders
    logs.mkdir()
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete(MEDIA_QUEUE, EXPORTS_QUEUE)
    bin_dir = Path(sys.executable).parent
    started: dict[str, Host] = {}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for name, queue in (("a", EXPORTS_QUEUE), ("b", MEDIA_QUEUE)):
            root = tmp_path / f"host-{name}"
            (root / "tmp").mkdir(parents=True)
            env = {k: v for k, v in os.environ.items() if k not in ("MEDIA_ROOT", "TANDEM_VAR_DIR")}
            env.update(
                PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1", TMPDIR=str(root / "tmp"),
                DJANGO_SETTINGS_MODULE="tests.deploy.two_hosts_settings", DATABASE_URL=database_url,
                REDIS_URL=settings.REDIS_URL or settings.CELERY_BROKER_URL, CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
                TANDEM_VAR_DIR=str(root / "var"), MEDIA_ROOT=str(root / "media"), SECRET_KEY=SECRET_KEY,
                STORAGE_BACKEND="s3", STORAGE_BUCKET=BUCKET, STORAGE_ENDPOINT_URL=s3,
                STORAGE_ACCESS_KEY="testing", STORAGE_SECRET_KEY="testing", DEBUG="0",
                ALLOWED_HOSTS="127.0.0.1", TANDEM_JOB_STALE_SECONDS="120")
            port = _port()
            web_log, worker_log = logs / f"web-{name}.log", logs / f"worker-{name}.log"
            web = subprocess.Popen([str(bin_dir / "gunicorn"), "tandem.wsgi", "--bind", f"127.0.0.1:{port}",
                                    "--workers", "1", "--threads", "4", "--graceful-timeout", "10"],
                                   cwd=root, env=env, stdout=web_log.open("wb"), stderr=subprocess.STDOUT)
            procs.append(web)
            worker = subprocess.Popen([str(bin_dir / "celery"), "-A", "tandem", "worker", "-Q", queue, "-c", "1",
                                       "-n", f"host-{name}@%h", "--loglevel", "INFO"],
                                      cwd=root, env=env, stdout=worker_log.open("wb"), stderr=subprocess.STDOUT)
            procs.append(worker)
            started[name] = Host(name, root, web, worker, f"http://127.0.0.1:{port}", web_log, worker_log)
        for host in started.values():
            _wait_ready(host)
        yield started
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        broker.delete(MEDIA_QUEUE, EXPORTS_QUEUE)


def _wait_ready(host: Host) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert host.web.poll() is None, host.web_log.read_text()[-3000:]
        assert host.worker.poll() is None, host.worker_log.read_text()[-3000:]
        try:
            ready = httpx.get(f"{host.url}/readyz", timeout=5).status_code == 200
        except httpx.HTTPError:
            ready = False
        if ready and " ready." in host.worker_log.read_text():
            return
        time.sleep(0.3)
    pytest.fail(f"host {host.name} did not start: {host.web_log.read_text()[-2000:]} {host.worker_log.read_text()[-2000:]}")


def _poll(get: Any, done: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = get()
        if done(value):
            return value
        time.sleep(0.3)
    pytest.fail(f"gave up waiting for {what}: {value}")


def _files(root: Path) -> list[str]:
    """Everything under ``root`` but folders: files, sockets, links."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_symlink() or not p.is_dir())


@pytest.mark.slow
@pytest.mark.worker
def test_upload_on_a_processed_on_b_served_by_b_and_export_built_on_a_downloaded_from_b(
        hosts: dict[str, Host], s3: str, tmp_path: Path) -> None:
    a, b = hosts["a"], hosts["b"]
    manager = User.objects.create_user("manager", password="manager-pass-123", is_staff=True)
    auth = {"Authorization": f"Token {Token.objects.create(user=manager).key}"}
    web_a = httpx.Client(base_url=a.url, headers=auth, timeout=30)
    web_b = httpx.Client(base_url=b.url, headers=auth, timeout=30)

    project = web_a.post("/api/projects/", json={"name": "Two hosts", "schema": SCHEMA})
    assert project.status_code == 201, project.text
    pk = project.json()["id"]
    audio = _wav()
    imported = web_a.post(f"/api/projects/{pk}/import/", files=[("files", ("tone.wav", audio, "audio/wav"))])
    assert imported.status_code == 201, imported.text
    asset_id = Asset.objects.get(kind="audio").pk  # the one database both hosts share

    asset = _poll(lambda: web_b.get(f"/api/assets/{asset_id}/").json(), lambda j: j["status"] in ("ready", "failed"),
                  120, "the asset")
    assert (asset["status"], asset["error"]) == ("ready", "")
    processed = "Task datasets.tasks.process_asset["
    assert processed in b.worker_log.read_text() and processed not in a.worker_log.read_text()

    waveform = web_b.get(f"/api/assets/{asset_id}/waveform/", params={"level": 256})
    assert waveform.status_code == 200, waveform.text
    peaks = waveform.json()
    assert (peaks["sample_rate"], peaks["samples_per_pixel"], peaks["channels"]) == (RATE, 256, 1)
    assert peaks["length"] == math.ceil(RATE * SECONDS / 256)
    assert len(peaks["data"]) == 2 * peaks["length"]

    job = web_a.post(f"/api/projects/{pk}/exports/", json={"format": "jsonl"})
    assert job.status_code == 202, job.text
    job_id = job.json()["id"]
    done = _poll(lambda: web_b.get(f"/api/exports/{job_id}/").json(), lambda j: j["status"] in ("succeeded", "failed"),
                 120, "the export")
    assert done["status"] == "succeeded", done
    built = "Task annotation.tasks.exports."
    assert built in a.worker_log.read_text() and built not in b.worker_log.read_text()
    download = web_b.get(f"/api/exports/{job_id}/download")
    assert download.status_code == 200, download.text
    assert hashlib.sha256(download.content).hexdigest() == download.headers["X-Content-SHA256"]
    lines = [json.loads(line) for line in download.content.decode().splitlines()]
    assert [(line["external_id"], line["streams"][0]["sha256"]) for line in lines] == [
        ("tone.wav", hashlib.sha256(audio).hexdigest())]

    _chunked_upload_across_hosts(web_a, web_b, pk)
    _import_preview_on_a_confirmed_on_b(a, b, pk, tmp_path)

    # Everything is in the bucket; neither host kept a file of its own or of the other's.
    keys = [o["Key"] for o in boto3.client("s3", endpoint_url=s3, aws_access_key_id="testing",
                                           aws_secret_access_key="testing", region_name="us-east-1")
            .list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert any(k.startswith("datasets/") and k.endswith("/tone.wav") for k in keys), keys
    assert any(k.startswith("derived/") for k in keys) and any(k.startswith(f"exports/{pk}/{job_id}/") for k in keys)
    assert not any(k.startswith("health/") for k in keys)  # the readiness probe removes what it writes
    assert not any(k.startswith("uploads/") for k in keys), keys  # chunks and the preview were deleted
    assert (_files(a.root), _files(b.root)) == ([], [])


def _chunked_upload_across_hosts(web_a: httpx.Client, web_b: httpx.Client, pk: int) -> None:
    """The first chunk reaches web A, the others web B, with no routing that keeps an upload on one host."""
    audio = _wav(660)
    created = web_a.post(f"/api/projects/{pk}/uploads/", json={"filename": "chunked.wav", "size": len(audio)})
    assert created.status_code == 201, created.text
    url, step = created.json()["url"], 40_000

    def send(web: httpx.Client, offset: int) -> httpx.Response:
        return web.patch(url, content=audio[offset:offset + step],
                         headers={"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})

    assert send(web_a, 0).status_code == 200
    stale = send(web_b, 0)  # web B knows what web A took
    assert (stale.status_code, stale.json()["offset"]) == (409, step)
    for offset in range(step, len(audio), step):
        answer = send(web_b, offset)
        assert answer.status_code == 200, answer.text
    asset = answer.json()["asset"]
    assert (answer.json()["offset"], asset["size"]) == (len(audio), len(audio))
    assert Asset.objects.get(pk=asset["id"]).sha256 == hashlib.sha256(audio).hexdigest()
    imported = web_b.post(f"/api/projects/{pk}/import/",
                          json=[{"external_id": "chunked", "streams": [{"role": "audio", "asset": asset["id"]}]}])
    assert imported.status_code == 201, imported.text
    processed = _poll(lambda: web_a.get(f"/api/assets/{asset['id']}/").json(),
                      lambda j: j["status"] in ("ready", "failed"), 120, "the chunked upload's asset")
    assert (processed["status"], processed["duration_ms"]) == ("ready", SECONDS * 1000)


def _import_preview_on_a_confirmed_on_b(a: Host, b: Host, pk: int, tmp_path: Path) -> None:
    """The manage page's two-step annotation import, its two posts answered by different hosts."""
    from praatio import textgrid

    grid = textgrid.Textgrid()
    grid.addTier(textgrid.IntervalTier("speech", [(0.5, 1.5, "speech")], 0, SECONDS))
    grid_path = tmp_path / "chunked.TextGrid"  # outside both hosts' folders
    grid.save(str(grid_path), format="long_textgrid", includeBlankSpaces=True)

    from django.test import override_settings

    # The hosts check passwords with production's hashers, not the tests' fast one.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"]):
        manager = User.objects.get(username="manager")
        manager.set_password("manager-pass-123")
        manager.save(update_fields=["password"])
    page_a = httpx.Client(base_url=a.url, timeout=30)
    page_a.get("/login/")
    csrf = page_a.cookies["csrftoken"]
    login = page_a.post("/login/", data={"username": "manager", "password": "manager-pass-123",
                                         "csrfmiddlewaretoken": csrf})
    assert login.status_code == 302, login.text
    csrf = page_a.cookies["csrftoken"]  # a login rotates the token
    url = f"/projects/{pk}/manage/annotations-import/"
    preview = page_a.post(url, data={"csrfmiddlewaretoken": csrf},
                          files={"file": ("chunked.TextGrid", grid_path.read_bytes(), "text/plain")})
    assert preview.status_code == 200, preview.text
    assert "1 item matched" in preview.text
    token = re.search(r'name="token" value="([0-9a-f]{32})"', preview.text)
    assert token is not None

    page_b = httpx.Client(base_url=b.url, timeout=30, cookies={k: v for k, v in page_a.cookies.items()})
    mapping = '{"speech": {"track": "speech", "labels": {"speech": "speech"}}}'
    confirmed = page_b.post(url, data={"csrfmiddlewaretoken": csrf, "token": token.group(1), "as": "prelabel",
                                       "model": "praat", "mapping": mapping})
    assert (confirmed.status_code, confirmed.headers.get("location")) == (302, f"/projects/{pk}/manage/"), \
        confirmed.text
    prediction = Prediction.objects.get(task__item__external_id="chunked")
    assert [(r["label"], r["start_ms"], r["end_ms"]) for r in prediction.result["regions"]] == [
        ("speech", 500, 1500)]
