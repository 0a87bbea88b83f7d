"""A database that is away for a moment answers 503 with Retry-After, not 500."""

from __future__ import annotations

from typing import Any

import pytest
from django import db

pytestmark = pytest.mark.django_db


def test_a_lost_database_connection_answers_503_with_retry_after(manager: Any, client_for: Any,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def gone(user: Any) -> Any:
        raise db.OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr("annotation.api.projects.projects_for_user", gone)
    response = client_for(manager).get("/api/projects/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"detail": "The database is unavailable for a moment; try again."}
