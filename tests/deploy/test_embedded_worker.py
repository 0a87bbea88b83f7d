"""The embedded default's worker, started with the arguments ``scripts/serve.sh`` gives it.

Beat runs as a thread of the worker's main process (``--beat-thread``), so the worker at rest is
its main process and one pool process: no beat process beside them. The clock still sends the
reaper, the pool still runs it, and SIGTERM still stops everything with exit code 0.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
REAPED = re.compile(r"Task common\.tasks\.reap_stale_jobs\[[^\]]+\] succeeded")


def _serve_worker_args() -> list[str]:
    """The Celery command line of scripts/serve.sh, with its defaults filled in."""
    line = next(x for x in (ROOT / "scripts" / "serve.sh").read_text().splitlines() if "celery -A tandem worker" in x)
    line = line.split("&")[0].replace("${WORKER_CONCURRENCY:-2}", "2")
    return shlex.split(line)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


@pytest.mark.slow
@pytest.mark.worker
@pytest.mark.django_db
def test_beat_runs_as_a_thread_of_the_worker_and_the_pool_keeps_one_process_at_rest(tmp_path: Path) -> None:
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL", "MEDIA_ROOT")}
    env.update(TANDEM_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="tandem.settings",
               DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
               TANDEM_JOB_STALE_SECONDS="2")  # the reaper's clock ticks every second
    args = _serve_worker_args()
    assert "--beat-thread" in args and "-B" not in args, args
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(REAPED.findall(log.read_text(errors="replace"))) < 2:
            assert worker.poll() is None, log.read_text(errors="replace")[-3000:]
            time.sleep(0.5)
        text = log.read_text(errors="replace")
        assert len(REAPED.findall(text)) >= 2, text[-3000:]
        assert "beat: Starting..." in text
        # The main process forks the pool only: one process at rest, no beat process.
        assert len(_children(worker.pid)) == 1, _children(worker.pid)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
        assert "beat: Shutting down..." in log.read_text(errors="replace")
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
