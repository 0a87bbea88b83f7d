"""The token endpoint: limits per address and user name, token lifetime, signing out everywhere."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotation.api.auth import LoginRateThrottle
from common.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.TANDEM_LOGIN_FAILURES = 3
    # DRF reads its rates once at import; a generous rate keeps the lockout tests about the lockout
    monkeypatch.setattr(LoginRateThrottle, "THROTTLE_RATES", {"login": "1000/min"})
    cache.clear()


def _login(username: str, password: str, address: str = "203.0.113.9", forwarded: str | None = None) -> Any:
    extra = {"REMOTE_ADDR": address}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return APIClient().post("/api/auth/token/", {"username": username, "password": password}, format="json", **extra)


def test_a_forged_x_forwarded_for_does_not_escape_the_rate_limit(monkeypatch: pytest.MonkeyPatch, manager: User) -> None:
    monkeypatch.setattr(LoginRateThrottle, "THROTTLE_RATES", {"login": "3/min"})
    for i in range(3):
        assert _login(f"nobody{i}", "wrong", forwarded=f"198.51.100.{i}").status_code == 400
    refused = _login("manager", "manager-pass-123", forwarded="198.51.100.77")
    assert refused.status_code == 429
    assert Token.objects.count() == 0


def test_failures_for_one_user_lock_that_user_from_that_address_only(manager: User) -> None:
    for _ in range(3):
        assert _login("manager", "wrong").status_code == 400
    locked = _login("manager", "manager-pass-123")
    assert locked.status_code == 429
    assert locked["Retry-After"] == "600"
    assert Token.objects.count() == 0
    assert _login("manager", "manager-pass-123", address="198.51.100.7").status_code == 200


def test_a_unicode_look_alike_counts_for_the_account_it_normalizes_to(manager: User) -> None:
    for _ in range(3):
        assert _login("ｍanager", "wrong").status_code == 400  # full-width m
    assert _login("manager", "manager-pass-123").status_code == 429


def test_the_token_endpoint_and_the_browser_login_share_one_count(manager: User) -> None:
    for _ in range(2):
        assert _login("manager", "wrong").status_code == 400
    assert Client().post("/login/", {"username": "manager", "password": "wrong"},
                         REMOTE_ADDR="203.0.113.9").status_code == 200
    assert _login("manager", "manager-pass-123").status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(settings: Any, manager: User) -> None:
    settings.TANDEM_TRUSTED_PROXIES = ["10.0.0.0/8", "fd00::/8"]
    for _ in range(3):  # the attacker's own address, as the proxy reports it, after forged entries
        assert _login("manager", "wrong", address="10.0.0.5", forwarded="192.0.2.1, 203.0.113.9, 10.1.2.3").status_code == 400
    assert _login("manager", "manager-pass-123", address="10.0.0.5", forwarded="203.0.113.9").status_code == 429
    assert _login("manager", "manager-pass-123", address="fd00::5", forwarded="198.51.100.7").status_code == 200


def test_an_expired_token_is_refused_and_a_new_login_replaces_it(settings: Any, manager: User) -> None:
    settings.TANDEM_TOKEN_TTL_HOURS = 24
    old = _login("manager", "manager-pass-123").json()["token"]
    Token.objects.filter(key=old).update(created=timezone.now() - timedelta(hours=25))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    refused = client.get("/api/projects/")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "Token has expired; log in again for a new one."
    new = _login("manager", "manager-pass-123").json()["token"]
    assert new != old
    client.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    assert client.get("/api/projects/").status_code == 200


def test_with_no_lifetime_an_old_token_still_works(settings: Any, manager: User) -> None:
    settings.TANDEM_TOKEN_TTL_HOURS = 0
    token = _login("manager", "manager-pass-123").json()["token"]
    Token.objects.filter(key=token).update(created=timezone.now() - timedelta(days=3650))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/projects/").status_code == 200


def test_revoke_all_ends_the_token_and_every_session_of_the_caller_only(manager: User, reviewer: User) -> None:
    token = _login("manager", "manager-pass-123").json()["token"]
    laptop, phone, colleague = Client(), Client(), Client()
    laptop.force_login(manager)
    phone.force_login(manager)
    colleague.force_login(reviewer)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = api.post("/api/auth/tokens/revoke-all/")

    assert response.status_code == 200
    assert response.json() == {"tokens": 1, "sessions": 2}
    assert api.get("/api/projects/").status_code == 401
    assert laptop.get("/api/projects/").status_code == 401
    assert phone.get("/").status_code == 302  # back to the login page
    assert colleague.get("/api/projects/").status_code == 200
    event = AuditEvent.objects.get(action="auth.revoke_all")
    assert (event.actor_id, event.data) == (manager.pk, {"tokens": 1, "sessions": 2})


def test_revoke_all_is_in_the_openapi_schema(manager: User, client_for: Any) -> None:
    paths = json.loads(client_for(manager).get("/api/schema/?format=json").content)["paths"]
    operation = paths["/api/auth/tokens/revoke-all/"]["post"]
    assert set(operation["responses"]) == {"200"}
    assert operation["summary"].startswith("Sign out everywhere")
