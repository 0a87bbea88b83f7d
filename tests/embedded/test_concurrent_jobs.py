"""The embedded default under concurrency: 20 jobs at once on SQLite, the filesystem broker and two workers.

Every job must end where its work says (exports succeeded, media ready, pre-label runs on items
without the mapped stream failed, with that reason), none left queued, pending, running or
processing, and none failed by "database is locked". The test runs ``make run``'s configuration
in subprocesses of its own: a fresh SQLite file and broker folders under a temporary directory.
"""

from __future__ import annotations

import io
import json
import math
import os
import sqlite3
import struct
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECTS = 4
EXPORTS = (("jsonl", "all"), ("csv", "all"), ("json", "submitted"))  # per project: 12 exports
NO_MIC = "the item has no stream 'mic' (streams: transcript)"
SCHEMA = {"tracks": [{"name": "speech", "kind": "segment", "labels": [{"value": "speech"}]}]}


def _env(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "MEDIA_ROOT")}
    env.update(TANDEM_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="tandem.settings", TANDEM_JOB_STALE_SECONDS="120")
    return env


def _python(var: Path, code: str) -> str:
    done = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code], cwd=ROOT, env=_env(var),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


def _wav(frequency: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16_000)
        w.writeframes(b"".join(struct.pack("<h", int(9000 * math.sin(2 * math.pi * frequency * n / 16_000)))
                               for n in range(16_000)))
    return out.getvalue()


def prepare() -> None:
    """In the subprocess: a manager and four projects of three text items, each mapping ``vad`` to a mic."""
    from django.contrib.auth.models import User

    from annotation.services.imports import project_import
    from annotation.services.projects import project_create, project_update

    manager = User.objects.create_user("manager", password="manager-pass-123")
    for n in range(PROJECTS):
        project = project_create(user=manager, name=f"project-{n}", schema=SCHEMA, overlap=1)
        records = [{"external_id": f"item-{i}", "duration_ms": 4000, "streams": [{"role": "transcript", "text": "Hi."}]}
                   for i in range(3)]
        project_import(project=project, user=manager, records=records, uploads={})
        project_update(project=project, user=manager, data={"prelabelers": [
            {"prelabeler": "vad", "track": "speech", "label": "speech", "stream": "mic"}]})


def _request(what: tuple[str, int, Any]) -> int:
    """One request's work, as a web request does it: its own connection, closed at the end."""
    from django.contrib.auth.models import User
    from django.db import connections

    from annotation.models import Project
    from annotation.services.exports import export_create
    from annotation.services.prelabel import prelabel_start
    from datasets.services.assets import asset_create_from_file

    kind, n, data = what
    try:
        manager = User.objects.get(username="manager")
        project = Project.objects.get(name=f"project-{n}")
        if kind == "export":
            return export_create(project=project, user=manager, data=data).pk
        if kind == "prelabel":
            return prelabel_start(project=project, user=manager, data={}).pk
        return asset_create_from_file(dataset=project.dataset, fileobj=io.BytesIO(data), name=f"tone-{n}.wav",
                                      user=manager).pk
    finally:
        connections.close_all()


def request_jobs() -> None:
    """In the subprocess: 20 jobs asked for at once from four threads; prints their ids."""
    work: list[tuple[str, int, Any]] = [("export", n, {"format": f, "include": i}) for n in range(PROJECTS)
                                        for f, i in EXPORTS]
    work += [("prelabel", n, None) for n in range(PROJECTS)]
    work += [("media", n, _wav(220 * (n + 1))) for n in range(PROJECTS)]
    with ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(_request, work))
    print(json.dumps({"jobs": ids[:-PROJECTS], "assets": ids[-PROJECTS:]}))


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    try:
        yield started
    finally:
        for proc in started:
            proc.terminate()
        for proc in started:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.mark.slow
@pytest.mark.worker
def test_twenty_jobs_at_once_on_sqlite_all_end_where_their_work_says(
        tmp_path: Path, workers: list[subprocess.Popen[bytes]]) -> None:
    var = tmp_path / "var"
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=_env(var), check=True,
                   capture_output=True, timeout=300)
    _python(var, "from tests.embedded.test_concurrent_jobs import prepare; prepare()")
    for n in range(2):  # two workers of two processes each, as on a laptop with `make run` twice
        log = (tmp_path / f"worker-{n}.log").open("wb")
        workers.append(subprocess.Popen([sys.executable, "-m", "celery", "-A", "tandem", "worker", "-Q", "media,gpu",
                                         "-c", "2", "-n", f"w{n}@%h", "--loglevel", "WARNING"],
                                        cwd=ROOT, env=_env(var), stdout=log, stderr=subprocess.STDOUT))
    ids = json.loads(_python(var, "from tests.embedded.test_concurrent_jobs import request_jobs; request_jobs()"))
    assert (len(ids["jobs"]), len(ids["assets"])) == (16, 4)

    db = sqlite3.connect(var / "tandem.sqlite3", timeout=30)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        busy = (db.execute("select count(*) from annotation_job where status in ('queued', 'running')").fetchone()[0]
                + db.execute("select count(*) from datasets_asset where status in ('pending', 'processing')").fetchone()[0])
        if busy == 0:
            break
        assert all(w.poll() is None for w in workers), "a worker died"
        time.sleep(1)
    jobs = {(kind, status, error) for kind, status, error in db.execute("select kind, status, error from annotation_job")}
    exports = db.execute("select count(*) from annotation_job where kind = 'export' and status = 'succeeded'").fetchone()
    runs = db.execute("select count(*) from annotation_job where kind = 'prelabel' and status = 'failed' "
                      "and error like 'Every item failed (3); the first: task % (vad): ' || ?", (NO_MIC,)).fetchone()
    assets = db.execute("select status, error, kind from datasets_asset where kind != 'text'").fetchall()
    assert (exports, runs) == ((12,), (4,)), sorted(jobs)
    assert assets == [("ready", "", "audio")] * 4
    attempts = db.execute("select attempt from annotation_job union all "
                          "select attempt from datasets_asset where kind != 'text'").fetchall()
    assert attempts == [(1,)] * 20  # each claimed once: no job ran twice
