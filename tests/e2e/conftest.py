from collections.abc import Iterator

import pytest

from tests.datasets.worker.conftest import clip, import_files  # noqa: F401  (shared fixtures)


@pytest.fixture(autouse=True)
def _async_unsafe_allowed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls between its steps are
    # still synchronous. Set for these tests only, never for the session.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield
