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
