"""A real Label Studio on loopback for the export tests, from the separate virtualenv .venv-ls.

Label Studio's first start runs several minutes of migrations on SQLite, so `make` migrates a
template data folder once (``python tests/datasets/exports/labelstudio_server.py template``)
and every test run starts from a copy of it, which takes seconds. The admin user and its API
token are made by the first start (Label Studio's ``--username/--password/--user-token``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[3]
LS_BIN = ROOT / ".venv-ls" / "bin" / "label-studio"
TEMPLATE = ROOT / ".venv-ls" / "template"
ADMIN = "admin@tandem.local"
PASSWORD = "tandem-export-check"
TOKEN = "7a3c0e5d9b1f4a2c8e6d0b3f5a7c9e1d2b4f6a80"
START_TIMEOUT_S = 600.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(data_dir: Path, port: int, document_root: Path, log: Path) -> subprocess.Popen[bytes]:
    """Start Label Studio on 127.0.0.1:`port` with its data in `data_dir`, serving local files from `document_root`."""
    # our own Django settings, database and path must not leak into Label Studio's Django
    own = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "PYTHONPATH", "SECRET_KEY")
    env = {**{k: v for k, v in os.environ.items() if k not in own}, "LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED": "true",
           "LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT": str(document_root), "COLLECT_ANALYTICS": "false",
           "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "false", "DJANGO_DB": "sqlite"}
    cmd = [str(LS_BIN), "start", "--no-browser", "--data-dir", str(data_dir), "-db", str(data_dir / "ls.sqlite3"),
           "--host", "127.0.0.1", "--internal-host", "127.0.0.1", "-p", str(port), "--username", ADMIN,
           "--password", PASSWORD, "--user-token", TOKEN, "--enable-legacy-api-token"]
    with log.open("wb") as out:
        return subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_healthy(proc: subprocess.Popen[bytes], port: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Label Studio exited with {proc.returncode} before it answered")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise TimeoutError(f"Label Studio did not answer on port {port} within {timeout_s:.0f} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@contextmanager
def running(base: Path, healthy_within_s: float = 240.0) -> Iterator[tuple[httpx.Client, Path]]:
    """A Label Studio started from a copy of the migrated template under ``base``, for a test module:
    (API client with the admin token, its local-files document root)."""
    if not TEMPLATE.is_dir():
        pytest.fail("Label Studio is not set up: run `make venv-ls` (installs .venv-ls and its template)")
    data, root = base / "data", base / "root"
    shutil.copytree(TEMPLATE, data)
    root.mkdir()
    port = free_port()
    proc = start(data, port, root, base / "server.log")
    try:
        wait_healthy(proc, port, healthy_within_s)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60,
                          headers={"Authorization": f"Token {TOKEN}"}) as client:
            yield client, root
    finally:
        stop(proc)


def make_template(target: Path) -> None:
    """Migrate a fresh data folder with the admin user, then stop: the folder every test copies."""
    work = target.with_name(target.name + ".tmp")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    port = free_port()
    proc = start(work, port, work, work.parent / "template.log")
    try:
        wait_healthy(proc, port, START_TIMEOUT_S)
    finally:
        stop(proc)
    shutil.rmtree(target, ignore_errors=True)
    work.rename(target)


if __name__ == "__main__":
    if sys.argv[1:2] != ["template"]:
        sys.exit("usage: labelstudio_server.py template")
    make_template(TEMPLATE)
