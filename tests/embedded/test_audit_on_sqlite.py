"""The audit, releases and consent-filtered exports on the embedded default (SQLite, local storage).

``make run``'s configuration in a subprocess of its own: a fresh SQLite file under a temporary
directory, the demo bootstrapped into it, exports run inline. The demo project is released and
audited through the API; the audit's pinned fixture is built there too and must give the counts
the PostgreSQL tests pin.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _env(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "MEDIA_ROOT")}
    env.update(TANDEM_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="tandem.settings", CELERY_TASK_ALWAYS_EAGER="1")
    return env


def _run(var: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=_env(var), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


def _release(client: Any, project_id: int, body: dict[str, Any]) -> dict[str, Any]:
    from annotation.models import Job

    answer = client.post(f"/api/projects/{project_id}/exports/", body, content_type="application/json")
    assert answer.status_code == 202, answer.content
    job = Job.objects.get(pk=answer.json()["id"])
    card = client.get(f"/api/exports/{job.pk}/audit/", {"format": "md"})
    return {"status": job.status, "error": job.error, "result": job.result, "card_status": card.status_code,
            "card": card.content.decode()}


def audit_everything() -> None:
    """In the subprocess: release and audit the demo project and the audit's pinned fixture; prints JSON."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    from annotation.demo import DEMO_PROJECT
    from annotation.models import Project
    from tests.qa.audit_fixture import audited_project

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="admin"))
    demo = Project.objects.get(name=DEMO_PROJECT)
    out: dict[str, Any] = {"vendor": connection.vendor, "demo_release": _release(client, demo.pk, {
        "format": "jsonl", "release": "v1"})}
    audit = client.get(f"/api/projects/{demo.pk}/audit/")
    out["demo_audit"] = {"status": audit.status_code, "doc": audit.json()}
    out["demo_page"] = client.get(f"/projects/{demo.pk}/audit/").status_code

    manager, a, b = (User.objects.create_user(name, password="pass-word-123")
                     for name in ("manager", "annotator_a", "annotator_b"))
    fixture = audited_project(manager, a, b, require_consent="research")
    client.force_login(manager)
    out["fixture_audit"] = client.get(f"/api/projects/{fixture.pk}/audit/").json()
    out["fixture_release"] = _release(client, fixture.pk, {"format": "jsonl", "include": "submitted", "release": "v1"})
    out["fixture_export"] = _release(client, fixture.pk, {"format": "jsonl", "include": "submitted"})["result"]
    print(json.dumps(out))


def _front_matter(card: str) -> dict[str, Any]:
    assert card.startswith("---\n")
    head, _, _ = card[4:].partition("\n---\n")
    loaded: dict[str, Any] = yaml.safe_load(head)
    return loaded


@pytest.mark.slow
def test_releases_and_the_audit_work_on_sqlite_with_the_pinned_counts(tmp_path: Path) -> None:
    _run(tmp_path, "manage.py", "migrate", "--noinput")
    _run(tmp_path, "manage.py", "demo_setup")
    out = json.loads(_run(tmp_path, "-c", "import django; django.setup(); "
                                          "from tests.embedded.test_audit_on_sqlite import audit_everything; "
                                          "audit_everything()").splitlines()[-1])
    assert out["vendor"] == "sqlite"

    release, audit = out["demo_release"], out["demo_audit"]
    assert (release["status"], release["error"], release["result"]["items"]) == ("succeeded", "", 1)
    assert (audit["status"], out["demo_page"]) == (200, 200)
    doc = audit["doc"]
    assert (doc["items"], doc["provenance"]["synthetic"]["items"], doc["consent"]["without"]) == (1, 1, 1)
    assert [(m["role"], m["kind"], m["streams"]) for m in doc["modalities"]] == \
        [("mic", "audio", 1), ("transcript", "text", 1), ("video", "video", 1)]
    assert list(doc["labels"]) == ["speech", "events", "scene", "words", "entities", "faces", "links"]
    assert release["result"]["audit"]["items"] == 1 and release["result"]["audit"]["modalities"] == doc["modalities"]
    assert release["card_status"] == 200
    assert _front_matter(release["card"])["tandem"]["release"] == "v1"
    assert (tmp_path / "media" / release["result"]["datacard_key"]).is_file()

    fixture = out["fixture_audit"]
    assert (fixture["items"], fixture["media_ms"]) == (4, 60_000)
    assert {r["label"]: (r["segments"], r["duration_ms"]) for r in fixture["labels"]["speech"]["labels"]} == \
        {"speech": (4, 12_000), "music": (1, 1000), "noise": (1, 500)}
    assert fixture["coverage"]["tracks"]["speech"]["labeled_ms"] == 11_500
    assert fixture["annotators"] == [
        {"annotator": "annotator_a", "annotations": 2, "regions": 2, "duration_ms": 7000},
        {"annotator": "annotator_b", "annotations": 2, "regions": 2, "duration_ms": 3000}]
    assert fixture["consent"] == {"required": "research", "with_consent": 3, "without": 1, "with_required": 2,
                                  "excluded": 0}
    # Only i0 and i1 carry consent 'research': the release and the export leave i2 and i3 out.
    released = out["fixture_release"]
    assert (released["status"], released["result"]["items"], released["result"]["consent_excluded"]) == \
        ("succeeded", 2, 2)
    tandem = _front_matter(released["card"])["tandem"]
    assert (tandem["items"], tandem["media_ms"], tandem["consent"]["excluded"]) == (2, 20_000, 2)
    assert (out["fixture_export"]["items"], out["fixture_export"]["consent_excluded"]) == (2, 2)
