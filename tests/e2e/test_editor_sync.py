"""In Chromium: once the proposed offset is accepted, the editor plays both recordings in step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from datasets.models import Stream
from datasets.tasks import estimate_item_offsets, process_asset
from tests.datasets.worker.sync_media import camera_and_lapel
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DELAY_MS = 240
SEEK_MS = 2020  # mid-frame at 25 fps: a paused video lands exactly here, so both elements are exact


def test_after_a_seek_the_two_media_elements_differ_by_the_accepted_offset(
        page: Any, project: Any, import_files: Any, manager: Any, annotator_a: Any, tmp_path: Path) -> None:
    task, assets = import_files(project, list(camera_and_lapel(tmp_path, DELAY_MS)))
    for asset in assets:
        assert process_asset(asset.pk) == "ready"
    estimate_item_offsets(task.item_id)
    lapel = Stream.objects.get(item=task.item, role="lapel")
    api = APIClient()
    api.force_authenticate(manager)
    accepted = api.patch(f"/api/streams/{lapel.pk}/", {"accept_proposed": True}, format="json")
    assert accepted.status_code == 200
    offset_ms = accepted.json()["offset_ms"]
    assert abs(offset_ms + DELAY_MS) <= 5, offset_ms

    login(page, "annotator_a")
    page.get_by_test_id(f"start-{project.pk}").click()
    page.wait_for_url("**/annotate/")
    page.wait_for_selector("#tandem-editor[data-ready='true']", timeout=30_000)
    both = "[document.querySelector('video'), document.querySelector('[data-testid=audio-lapel]')]"
    page.wait_for_function(f"() => {both}.every(el => el && el.readyState >= 1)", timeout=15_000)
    page.evaluate(f"window.tandemEditor.clock.seek({SEEK_MS})")
    page.wait_for_function(f"() => {both}.every(el => !el.seeking)", timeout=15_000)
    video_s, lapel_s = page.evaluate(f"{both}.map(el => el.currentTime)")

    # Element time = (item time - offset) / 1000: the late lapel plays 240 ms further into its file.
    assert abs(video_s * 1000 - SEEK_MS) <= 20, video_s
    assert abs((lapel_s - video_s) * 1000 - (-offset_ms)) <= 20, (video_s, lapel_s)
    assert abs((lapel_s - video_s) * 1000 - DELAY_MS) <= 20, (video_s, lapel_s)
