"""docker-compose.yml cannot run here (no Compose plugin, no registry for images), so its shape is checked by reading it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat", "worker-gpu")
SCALED = ("worker", "worker-gpu")


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _queues(service: dict[str, Any]) -> list[str]:
    command = service["command"]
    return command[command.index("-Q") + 1].split(",")


def _seconds(value: str) -> int:
    match = re.fullmatch(r"(\d+)s", value)
    assert match, value
    return int(match.group(1))


def test_compose_has_every_service() -> None:
    assert set(_compose()["services"]) == {"postgres", "redis", "web", "worker", "beat", "worker-gpu", "minio"}


def test_workers_listen_on_their_queues_and_the_gpu_worker_reserves_a_gpu() -> None:
    services = _compose()["services"]
    assert _queues(services["worker"]) == ["media"]
    assert _queues(services["worker-gpu"]) == ["gpu"]
    devices = services["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]  # one per replica


def test_app_services_get_database_and_redis_urls_pointing_at_the_compose_servers() -> None:
    services = _compose()["services"]
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["DEBUG"] == "0"
        assert env["SECRET_KEY"] == "${SECRET_KEY:?set SECRET_KEY}"  # one key for every replica, never a per-host file


def test_minio_is_optional_and_web_binds_to_loopback() -> None:
    services = _compose()["services"]
    assert services["minio"]["profiles"] == ["s3"]
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]


def test_every_queue_the_settings_route_to_has_a_worker() -> None:
    from django.conf import settings

    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    served = {q for s in _compose()["services"].values() if "-Q" in (s.get("command") or []) for q in _queues(s)}
    assert routed <= served


def test_workers_scale_with_docker_compose_scale_without_edits() -> None:
    """`--scale worker=N` needs no fixed container name, no host port, and no per-replica state on a volume."""
    services = _compose()["services"]
    for name in SCALED:
        service = services[name]
        assert "container_name" not in service, name
        assert "ports" not in service, name
        assert "-B" not in service["command"], f"{name}: beat would run once per replica"
        assert "hostname" not in service, name  # Celery names each replica after its container
    for name, service in services.items():
        assert "container_name" not in service, name


def test_exactly_one_service_runs_beat_and_it_is_not_a_scaled_worker() -> None:
    services = _compose()["services"]
    beats = [name for name, s in services.items()
             if "beat" in (s.get("command") or []) or "-B" in (s.get("command") or [])]
    assert beats == ["beat"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "tandem", "beat"]
    assert services["beat"]["volumes"] == []  # its schedule file is its own, in the container


def test_shared_volumes_are_the_media_store_and_the_servers_own_data_only() -> None:
    services = _compose()["services"]
    mounts = {name: sorted(v.split(":")[0] for v in s.get("volumes") or []) for name, s in services.items()}
    assert mounts == {"postgres": ["pgdata"], "redis": [], "web": ["media"], "worker": ["media"], "beat": [],
                      "worker-gpu": ["./models", "media"], "minio": ["minio"]}
    assert set(_compose()["volumes"]) == {"pgdata", "media", "minio"}


def test_sigterm_is_graceful_within_the_stop_grace_period() -> None:
    from django.conf import settings

    services = _compose()["services"]
    web = services["web"]
    assert "exec gunicorn" in web["command"]  # gunicorn, not sh, receives the SIGTERM
    graceful = int(re.search(r"--graceful-timeout (\d+)", web["command"]).group(1))  # type: ignore[union-attr]
    assert graceful < _seconds(web["stop_grace_period"])
    for name in SCALED:
        assert _seconds(services[name]["stop_grace_period"]) > settings.TANDEM_SHUTDOWN_GRACE_SECONDS, name


def test_web_healthcheck_asks_the_readiness_probe() -> None:
    check = _compose()["services"]["web"]["healthcheck"]["test"]
    assert check[:3] == ["CMD", "python", "-c"] and "http://127.0.0.1:8000/readyz" in check[3]
