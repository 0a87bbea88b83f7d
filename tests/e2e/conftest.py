"""The browser fixtures: Debian's Chromium driven by Playwright, logged in as a persona."""

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.datasets.worker.conftest import clip, import_files  # noqa: F401  (shared fixtures)


@pytest.fixture(autouse=True)
def _async_unsafe_allowed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls between its steps are
    # still synchronous. Set for these tests only, never for the session.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture
def page(live_server: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=live_server.url)
        yield context.new_page()
        browser.close()


def login(page: Any, username: str) -> None:
    """Log in through the form with the persona's password (see tests/conftest.py)."""
    page.goto("/login/")
    page.get_by_test_id("username").fill(username)
    page.get_by_test_id("password").fill(f"{username}-pass-123")
    page.get_by_test_id("login").click()
    page.wait_for_url("**/")
