"""The audit page in Chromium under the site's CSP: plots, warnings, and the settings form."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from tests.e2e.conftest import login
from tests.qa.audit_fixture import audited_project

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_manager_reads_the_audit_and_sets_a_facet_threshold(page: Any, manager: User, annotator_a: User,
                                                              annotator_b: User) -> None:
    project = audited_project(manager, annotator_a, annotator_b, require_consent="research")
    refused: list[str] = []
    page.on("console", lambda msg: refused.append(msg.text) if "Refused to" in msg.text else None)
    login(page, "manager")
    page.goto(f"/projects/{project.pk}/quality/")
    page.get_by_test_id("audit-link").click()
    page.wait_for_selector('[data-testid="labels-speech"]')
    assert page.locator('[data-testid="labels-speech"] rect.bar').count() == 3
    warnings = page.get_by_test_id("audit-warnings").inner_text()
    assert "Label 'music' on track 'speech' is 16.7% of its segments (1 of 6)" in warnings
    assert "speaker 'bob' has 50.0% of media time; the maximum is 45%." in warnings

    page.get_by_test_id("max-facet-share").fill("speaker=60")
    page.get_by_test_id("audit-settings-save").click()
    page.wait_for_selector('[data-testid="message"]')
    assert page.get_by_test_id("message").inner_text() == "Audit settings saved."
    assert "speaker 'bob'" not in page.get_by_test_id("audit-warnings").inner_text()
    assert refused == []
