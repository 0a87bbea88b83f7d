"""Session-authenticated writes need the CSRF token, on the API and on the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from annotation.models import Project

pytestmark = pytest.mark.django_db


def test_a_session_write_without_the_csrf_token_is_refused_and_changes_nothing(project: Any, manager: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    refused = client.patch(f"/api/projects/{project.pk}/", {"instructions": "changed"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    page = client.post(f"/projects/{project.pk}/manage/members/", {"username": "manager", "role": "annotator"})
    assert page.status_code == 403
    assert Project.objects.get(pk=project.pk).instructions == ""

    client.get(f"/projects/{project.pk}/")  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    allowed = client.patch(f"/api/projects/{project.pk}/", {"instructions": "changed"},
                           content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert allowed.status_code == 200
    assert Project.objects.get(pk=project.pk).instructions == "changed"
