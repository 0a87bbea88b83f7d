"""`make run`'s bootstrap on the embedded default: an empty SQLite file, local storage, filesystem broker."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _manage(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update(TANDEM_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="tandem.settings")
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=True)


@pytest.mark.slow
def test_demo_bootstrap_works_on_an_empty_sqlite_database(tmp_path: Path) -> None:
    _manage(tmp_path, "migrate", "--noinput")
    first = _manage(tmp_path, "demo_setup").stdout
    assert "passwords are shown only this once" in first
    for name in ("admin", "reviewer", "ann_a", "ann_b"):
        assert f"\n  {name} " in first
    second = _manage(tmp_path, "demo_setup").stdout
    assert "exist already" in second

    db = sqlite3.connect(tmp_path / "tandem.sqlite3")
    assert db.execute("select count(*) from annotation_project").fetchone() == (1,)
    assert db.execute("select count(*) from annotation_task").fetchone() == (1,)
    (mapping,) = db.execute("select prelabelers from annotation_project").fetchone()
    assert [m["prelabeler"] for m in json.loads(mapping)] == ["vad", "align", "shots"]
    roles = dict(db.execute("select u.username, m.role from annotation_membership m join auth_user u on u.id = m.user_id"))
    assert roles == {"admin": "manager", "reviewer": "reviewer", "ann_a": "annotator", "ann_b": "annotator"}
    kinds = sorted(k for (k,) in db.execute("select kind from datasets_asset"))
    assert kinds == ["audio", "text", "video"]
    stored = [key for (key,) in db.execute("select storage_key from datasets_asset")]
    assert all((tmp_path / "media" / key).is_file() for key in stored)
    # The media jobs wait in the filesystem broker for the worker `make run` starts.
    assert len(list((tmp_path / "broker" / "queue").iterdir())) == 2
