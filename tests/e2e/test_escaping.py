"""Labels and texts that look like HTML are shown as text in the editor, never run (real Chromium)."""

from __future__ import annotations

from typing import Any

import pytest

from annotation.services.projects import project_update
from tests.conftest import SCHEMA
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
HOSTILE = '<img src=x onerror="window.__pwned=1">'


def test_a_hostile_label_and_transcript_render_as_text(page: Any, project: Any, manager: Any, make_items: Any) -> None:
    schema = {"tracks": [{**SCHEMA["tracks"][0], "labels": [{"value": HOSTILE, "hotkey": "1"}]}, *SCHEMA["tracks"][1:]]}
    project_update(project=project, user=manager, data={"schema": schema})
    make_items(project, 1, text=f"Alice said {HOSTILE} twice.")
    login(page, "annotator_a")
    page.get_by_test_id(f"start-{project.pk}").click()
    page.wait_for_selector("#tandem-editor[data-ready='true']", timeout=30_000)
    page.wait_for_timeout(500)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#tandem-editor img[src='x']").count() == 0
    editor_text = page.locator("#tandem-editor").inner_text()
    assert HOSTILE in editor_text  # the label (palette) and the transcript show the characters themselves
    assert f"Alice said {HOSTILE} twice." in editor_text
