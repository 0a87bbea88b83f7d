"""Browser login: failed attempts are capped per user name and address."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache(settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.TANDEM_LOGIN_FAILURES = 3
    cache.clear()


def test_after_too_many_failures_even_the_right_password_is_refused_for_a_while(manager: Any) -> None:
    client = Client()
    for _ in range(3):
        response = client.post("/login/", {"username": "manager", "password": "wrong"})
        assert response.status_code == 200 and "didn't match" in response.content.decode()
    locked = client.post("/login/", {"username": "manager", "password": "manager-pass-123"})
    assert locked.status_code == 429
    assert 'data-testid="login-locked"' in locked.content.decode()
    assert "_auth_user_id" not in client.session
    cache.clear()  # the window passes
    assert client.post("/login/", {"username": "manager", "password": "manager-pass-123"}).status_code == 302


def test_a_success_resets_the_count_and_other_users_are_not_affected(manager: Any, reviewer: Any) -> None:
    client = Client()
    for _ in range(2):
        client.post("/login/", {"username": "manager", "password": "wrong"})
    assert client.post("/login/", {"username": "manager", "password": "manager-pass-123"}).status_code == 302
    other = Client()
    for _ in range(3):
        other.post("/login/", {"username": "reviewer", "password": "wrong"})
    assert Client().post("/login/", {"username": "manager", "password": "manager-pass-123"}).status_code == 302


def _attempt(path: str, username: str, password: str, address: str, forwarded: str | None = None) -> Any:
    extra = {"REMOTE_ADDR": address}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().post(path, {"username": username, "password": password}, **extra)


def test_a_full_width_look_alike_counts_against_the_account_it_logs_in_as(db: None) -> None:
    from django.contrib.auth.models import User

    User.objects.create_user("ann2", password="ann2-pass-123")
    client = Client()
    # Given: the login form normalizes Unicode (NFKC), so "ａnn2" (full-width a) is ann2's name
    assert client.post("/login/", {"username": "ａnn2", "password": "ann2-pass-123"}).status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(username="ann2").pk)
    cache.clear()
    for _ in range(3):
        assert _attempt("/login/", "ann2", "wrong", "203.0.113.9").status_code == 200
    # When: the look-alike is tried from the same address, then Then: it is the same locked account
    locked = _attempt("/login/", "ａnn2", "ann2-pass-123", "203.0.113.9")
    assert locked.status_code == 429
    assert locked["Retry-After"] == "600"


def test_the_admin_login_shares_the_lock_with_the_browser_login(manager: Any) -> None:
    for path in ("/login/", "/login/", "/admin/login/"):
        assert _attempt(path, "manager", "wrong", "203.0.113.9").status_code == 200
    admin = _attempt("/admin/login/", "manager", "manager-pass-123", "203.0.113.9")
    assert admin.status_code == 429
    assert "Too many failed attempts" in admin.content.decode()
    assert _attempt("/login/", "manager", "manager-pass-123", "203.0.113.9").status_code == 429
    # the same user from another address is not affected; the staff user gets into the admin
    assert _attempt("/admin/login/", "manager", "manager-pass-123", "198.51.100.7").status_code == 302


def test_behind_a_trusted_proxy_each_client_is_counted_apart(settings: Any, manager: Any) -> None:
    settings.TANDEM_TRUSTED_PROXIES = ["10.0.0.0/8"]
    # an attacker behind the proxy fails three times for the manager and is locked out
    for _ in range(3):
        assert _attempt("/login/", "manager", "wrong", "10.0.0.5", forwarded="203.0.113.9").status_code == 200
    assert _attempt("/login/", "manager", "manager-pass-123", "10.0.0.5", forwarded="203.0.113.9").status_code == 429
    # the manager, through the same proxy from their own address, is not
    assert _attempt("/login/", "manager", "manager-pass-123", "10.0.0.5", forwarded="198.51.100.7").status_code == 302


def test_an_untrusted_client_cannot_pick_its_address_with_x_forwarded_for(settings: Any, manager: Any) -> None:
    settings.TANDEM_TRUSTED_PROXIES = ["10.0.0.0/8"]
    for i in range(3):  # a new forged address on every attempt, straight from the internet
        _attempt("/login/", "manager", "wrong", "203.0.113.9", forwarded=f"198.51.100.{i}")
    assert _attempt("/login/", "manager", "manager-pass-123", "203.0.113.9", forwarded="198.51.100.99").status_code == 429


def test_one_address_cannot_lock_a_user_out_but_many_together_can(settings: Any, manager: Any) -> None:
    settings.TANDEM_LOGIN_USER_FAILURES = 6
    # a flood from one address: only its first three failures count, then it is refused unheard
    for _ in range(50):
        _attempt("/login/", "manager", "wrong", "203.0.113.9")
    assert _attempt("/login/", "manager", "manager-pass-123", "198.51.100.7").status_code == 302
    # two more addresses bring the user's own count to six: now the user is paused everywhere
    for address in ("203.0.113.10", "203.0.113.10", "203.0.113.11"):
        assert _attempt("/login/", "manager", "wrong", address).status_code == 200
    assert _attempt("/login/", "manager", "manager-pass-123", "198.51.100.8").status_code == 429
