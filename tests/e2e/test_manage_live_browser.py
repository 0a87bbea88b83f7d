"""The manage page in Chromium: job progress moves without a reload, and each chosen file gets a
stream role of the schema, pre-filled when only one fits."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from annotation.models import Job
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_export_progress_bar_moves_without_a_reload(page: Any, project: Any, manager: Any, make_items: Any) -> None:
    make_items(project, 1)
    job = Job.objects.create(project=project, kind=Job.Kind.EXPORT, status="running", progress=10,
                             params={"format": "jsonl"})
    login(page, "manager")
    page.goto(f"/projects/{project.pk}/manage/")
    bar = f'[data-job-progress="{job.pk}"]'
    page.wait_for_selector(bar)
    page.evaluate("window.__loaded = true")  # gone if the page reloads
    assert page.eval_on_selector(bar, "el => el.value") == 10
    Job.objects.filter(pk=job.pk).update(progress=60)
    # (polled by the page's script; <progress>'s value property reflects into its attribute)
    expect(page.locator(bar)).to_have_attribute("value", "60", timeout=10_000)
    Job.objects.filter(pk=job.pk).update(progress=100, status="succeeded")
    expect(page.locator(f'[data-job-status="{job.pk}"]')).to_have_text("succeeded", timeout=10_000)
    assert page.eval_on_selector(f'[data-job-percent="{job.pk}"]', "el => el.textContent") == "100%"
    assert page.evaluate("window.__loaded") is True


def test_a_chosen_text_file_is_pre_mapped_to_the_schemas_text_role(page: Any, project: Any, manager: Any) -> None:
    login(page, "manager")
    page.goto(f"/projects/{project.pk}/manage/")
    page.get_by_test_id("import-files").set_input_files(
        [{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"Alice met Bob in Paris."}])
    page.wait_for_selector('[data-testid="import-role-0"]')
    assert page.get_by_test_id("import-role-0").input_value() == "transcript"
    page.get_by_test_id("import").click()
    page.wait_for_selector('[data-testid="message"]')
    assert "Imported 1 items" in page.get_by_test_id("message").first.text_content()
