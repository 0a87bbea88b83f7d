"""The system under load: a scratch PostgreSQL database and gunicorn, both on loopback only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"


def recreate_database(url: str) -> None:
    """Drop and create the scratch database so every run starts from the same empty state."""
    base, name = url.rsplit("/", 1)
    if not name.startswith("tandem_load"):
        raise SystemExit(f"refusing to drop {name!r}: the load database name must start with 'tandem_load'")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def server_env(database_url: str, redis_url: str, var_dir: Path) -> dict[str, str]:
    """Environment of the web processes: production-like (DEBUG off), loopback hosts only."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TANDEM_VAR_DIR": str(var_dir),
        "MEDIA_ROOT": str(var_dir / "media"),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "tandem.settings",
    }


def start_gunicorn(env: dict[str, str], port: int, workers: int, threads: int, log: Path,
                   access_log: Path | None = None) -> subprocess.Popen[bytes]:
    """gunicorn bound to 127.0.0.1 only; its error log keeps any traceback a 5xx leaves.

    ``access_log``: one line per request with the time gunicorn itself took (from reading the
    request to writing the answer), to set against what the clients measured.
    """
    cmd = [str(GUNICORN), "tandem.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
           "--threads", str(threads), "--timeout", "60", "--error-logfile", str(log), "--log-level", "warning"]
    if access_log is not None:
        cmd += ["--access-logfile", str(access_log), "--access-logformat", "%(m)s %(U)s %(s)s %(L)s"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/projects/", timeout=2).status_code == 401:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stop(proc)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Graceful stop of the one process this harness started (gunicorn's master ends its workers)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def setup_django(database_url: str, redis_url: str, var_dir: Path) -> None:
    """Configure Django in this process against the scratch database (for fixtures and verification)."""
    os.environ.update(server_env(database_url, redis_url, var_dir))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
