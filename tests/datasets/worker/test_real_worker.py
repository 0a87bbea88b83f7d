"""A real Celery worker on the Redis broker processes an upload end to end."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from django.db import connection

from datasets.models import Asset

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def worker(transactional_db: None) -> Any:
    broker = settings.CELERY_BROKER_URL  # the worker listens where this process publishes
    if broker.startswith("redis"):
        redis.Redis.from_url(broker).delete("media")  # no stale jobs from earlier runs
    db = connection.settings_dict
    env = {**os.environ, "CELERY_BROKER_URL": broker, "MEDIA_ROOT": str(settings.MEDIA_ROOT),
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    proc = subprocess.Popen([sys.executable, "-m", "celery", "-A", "tandem", "worker", "-Q", "media", "-c", "1",
                             "--pool", "solo", "--loglevel", "WARNING"], cwd=ROOT, env=env)
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.worker
def test_a_real_worker_processes_an_upload_end_to_end(worker: Any, project: Any, import_files: Any, clip: Path,
                                                      django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _, (asset,) = import_files(project, [clip])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        asset.refresh_from_db()
        if asset.status in ("ready", "failed"):
            break
        assert worker.poll() is None, "the worker died"
        time.sleep(0.5)
    assert (asset.status, asset.error) == ("ready", "")
    assert Asset.objects.get(pk=asset.pk).meta["waveform_levels"][:2] == [256, 512]
