"""docker-compose.yml cannot run here, so its shape is checked by reading it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _queues(service: dict[str, Any]) -> list[str]:
    command = service["command"]
    return command[command.index("-Q") + 1].split(",")


def test_compose_has_every_service() -> None:
    assert set(_compose()["services"]) == {"postgres", "redis", "web", "worker-media", "worker-gpu", "minio"}


def test_workers_listen_on_their_queues_and_the_gpu_worker_reserves_a_gpu() -> None:
    services = _compose()["services"]
    assert _queues(services["worker-media"]) == ["media"]
    assert _queues(services["worker-gpu"]) == ["gpu"]
    devices = services["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia" and devices[0]["capabilities"] == ["gpu"]


def test_app_services_get_database_and_redis_urls_pointing_at_the_compose_servers() -> None:
    services = _compose()["services"]
    for name in ("web", "worker-media", "worker-gpu"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["DEBUG"] == "0"


def test_minio_is_optional_and_web_binds_to_loopback() -> None:
    services = _compose()["services"]
    assert services["minio"]["profiles"] == ["s3"]
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]


def test_every_queue_the_settings_route_to_has_a_worker() -> None:
    from django.conf import settings

    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    served = {q for s in _compose()["services"].values() if "-Q" in (s.get("command") or []) for q in _queues(s)}
    assert routed <= served
