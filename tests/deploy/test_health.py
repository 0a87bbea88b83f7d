"""/healthz (liveness) and /readyz (readiness): what they answer, and what they answer when a server is down."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from common.health import PROBE_PREFIX


def _closed_port() -> int:
    """A loopback port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_healthz_answers_without_touching_the_database() -> None:
    # No `db` fixture: any query here would raise.
    response = Client().get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert response["Cache-Control"] == "no-store"


def test_probes_answer_a_host_not_in_allowed_hosts_over_plain_http_with_https_enforced(settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["tandem.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    client = Client(HTTP_HOST="10.1.2.3:8000")  # what a kubelet sends: the pod's address
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/projects/").status_code == 400  # other paths still check the host


def test_readyz_is_ready_when_every_server_answers(db: None, settings: Any) -> None:
    response = Client().get("/readyz")
    expected = {"database": "ok", "storage": "ok"} | ({"redis": "ok"} if settings.REDIS_URL else {})
    if settings.CELERY_BROKER_URL != settings.REDIS_URL:
        expected["broker"] = "ok"
    assert (response.status_code, response.json()) == (200, {"status": "ok", "checks": expected})
    # the storage probe cleans up after itself
    assert not any((Path(settings.MEDIA_ROOT) / PROBE_PREFIX).glob("*"))


def test_readyz_names_redis_when_redis_is_down(db: None, settings: Any) -> None:
    down = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.REDIS_URL = down
    settings.CELERY_BROKER_URL = down
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable",
                               "checks": {"database": "ok", "redis": "failed", "storage": "ok"}}


def test_readyz_names_the_broker_when_only_the_broker_is_down(db: None, settings: Any) -> None:
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = Client().get("/readyz")
    assert (response.status_code, response.json()["checks"]) == (503, {"database": "ok", "broker": "failed",
                                                                      "storage": "ok"})


def test_readyz_names_the_storage_when_nothing_can_be_written_there(db: None, settings: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the storage root should be")
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path)}
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(blocker)}}}
    response = Client().get("/readyz")
    assert (response.status_code, response.json()["checks"]) == (503, {"database": "ok", "broker": "ok",
                                                                      "storage": "failed"})


def test_readyz_reports_the_failing_check_without_its_reason(db: None, settings: Any, caplog: Any) -> None:
    settings.REDIS_URL = settings.CELERY_BROKER_URL = f"redis://secret-user:hunter2@127.0.0.1:{_closed_port()}/0"
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert "hunter2" not in response.content.decode() and "Error" not in response.content.decode()
    assert "readiness check 'redis' failed" in caplog.text  # the reason goes to the log


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_probes_are_read_only(db: None, path: str, method: str) -> None:
    assert getattr(Client(), method)(path).status_code == 405
