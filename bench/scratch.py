"""What the database benchmarks share: a scratch database, and Django steps run in their own process."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def recreate_database(url: str) -> None:
    """Drop and create the database at ``url`` so every run starts from the same empty state."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def django_step(module: str, call: str, env: Mapping[str, str]) -> str:
    """Run ``bench.<module>.<call>`` in a fresh interpreter (its own Django, its own peak memory)
    and return the last line it printed (a step that returns a value prints it last)."""
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); import bench.{module} as b; "
            f"r = b.{call}; r is None or print(r)")
    done = subprocess.run([sys.executable, "-c", code], env=dict(env), capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]
