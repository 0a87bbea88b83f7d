"""The manage page in Chromium: a redacted export is chosen in the export form and started."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from annotation.models import Job
from annotation.services.projects import project_create
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCHEMA = {"tracks": [{"name": "private", "kind": "redact", "labels": [{"value": "face"}, {"value": "voice"}]}]}


def test_a_manager_starts_a_redacted_export_from_the_form(page: Any, manager: Any) -> None:
    project = project_create(user=manager, name="Private", schema=SCHEMA, overlap=1)
    login(page, "manager")
    page.goto(f"/projects/{project.pk}/manage/")
    page.get_by_test_id("export-format").select_option("jsonl")
    page.get_by_test_id("export-redact").select_option("blur,mute")
    page.screenshot(path="/tmp/redacted-export-form.png", full_page=True)
    page.get_by_test_id("export").click()
    expect(page.get_by_test_id("message").first).to_contain_text("Export #", timeout=10_000)
    assert Job.objects.get(project=project).params["redact"] == {"boxes": "blur", "sound": "mute"}
