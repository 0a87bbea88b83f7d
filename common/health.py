"""Liveness and readiness for load balancers and orchestrators (Kubernetes probes, compose healthchecks).

``/healthz`` answers 200 while the process can serve a request at all: it touches nothing outside.
``/readyz`` answers 200 when every server this process needs answers: the database, Redis (cache
and broker) and the storage (a small object written, read back and deleted); otherwise 503 with
the name of each check and ``ok`` or ``failed``. What failed is logged here with its reason; the
answer names only the check, since the probe is unauthenticated.

Both are served by ``HealthMiddleware`` ahead of every other middleware: a probe comes from an
address, with a Host header, that ALLOWED_HOSTS does not list, over plain HTTP even where HTTPS
is enforced, and neither should turn it away.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

log = logging.getLogger(__name__)
#: Seconds a probe waits for Redis before calling it down; a probe must answer quickly.
REDIS_TIMEOUT = 2.0
#: Where the storage check writes; outside Tandem's own areas (datasets/, derived/, exports/, uploads/).
PROBE_PREFIX = "health"


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _ping(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT)
    try:
        if not client.ping():
            raise ConnectionError("no PONG")
    finally:
        client.close()


def _redis() -> None:
    _ping(settings.REDIS_URL)


def _broker() -> None:
    url: str = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        _ping(url)
        return
    if url.startswith("filesystem"):
        folder = Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]))
        if not (folder.is_dir() and os.access(folder, os.W_OK)):
            raise OSError(f"broker folder {folder} is not writable")
        return
    raise ValueError(f"no readiness check for the broker scheme of {url.split(':', 1)[0]!r}")


def _storage() -> None:
    key = f"{PROBE_PREFIX}/{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex}"
    payload = uuid.uuid4().bytes
    saved = default_storage.save(key, ContentFile(payload))
    try:
        with default_storage.open(saved, "rb") as fh:
            if fh.read() != payload:
                raise OSError("the storage gave back other bytes than were written")
    finally:
        default_storage.delete(saved)


def checks() -> dict[str, Callable[[], None]]:
    """The checks that apply to this configuration, by the name the answer gives them."""
    found: dict[str, Callable[[], None]] = {"database": _database}
    if settings.REDIS_URL:
        found["redis"] = _redis
    if settings.CELERY_BROKER_URL != settings.REDIS_URL:
        found["broker"] = _broker
    found["storage"] = _storage
    return found


def readiness() -> dict[str, str]:
    results: dict[str, str] = {}
    for name, check in checks().items():
        try:
            check()
        except Exception:
            log.exception("readiness check %r failed", name)
            results[name] = "failed"
        else:
            results[name] = "ok"
    return results


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Never touches the database, so a database outage restarts nothing."""
    return JsonResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})


@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: 200 when the database, Redis, the broker and the storage all answer, else 503 naming what failed."""
    results = readiness()
    ready = all(value == "ok" for value in results.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": results},
                        status=200 if ready else 503, headers={"Cache-Control": "no-store"})


PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {"/healthz": healthz, "/readyz": readyz}


class HealthMiddleware:
    """Answers GET/HEAD on the probe paths before host checks, HTTPS redirects, sessions and CSRF."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)
