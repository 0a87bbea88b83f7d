"""POST /api/items/{id}/sync-check/: a manager asks for the sync check of an item again."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from datasets.models import Stream
from datasets.tasks import process_asset
from tests.datasets.worker.sync_media import camera_and_lapel, import_item

pytestmark = pytest.mark.django_db



def _url(item_id: int) -> str:
    return f"/api/items/{item_id}/sync-check/"


def test_a_manager_gets_202_with_what_was_queued_and_then_the_proposal(
        project: Any, manager: Any, client_for: Any, tmp_path: Path, eager: None,
        django_capture_on_commit_callbacks: Any) -> None:
    task = import_item(project, manager, list(camera_and_lapel(tmp_path, 240)))
    assets = [s.asset for s in task.item.streams.select_related("asset").order_by("id")]
    for asset in assets:
        assert process_asset(asset.pk) == "ready"
    camera = Stream.objects.get(item=task.item, role="camera")
    lapel = Stream.objects.get(item=task.item, role="lapel")
    assert lapel.proposed_offset_ms is None

    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client_for(manager).post(_url(task.item_id))
    assert response.status_code == 202
    assert response.json() == {"item": task.item_id, "status": "queued",
                               "reference": {"id": camera.pk, "role": "camera"},
                               "streams": [{"id": lapel.pk, "role": "lapel"}]}
    assert len(queued) == 1
    lapel.refresh_from_db()
    assert lapel.proposed_offset_ms is not None and abs(lapel.proposed_offset_ms + 240) <= 5


def test_an_item_with_fewer_than_two_audio_streams_gets_409_and_nothing_is_queued(
        project: Any, manager: Any, client_for: Any, make_items: Any, tmp_path: Path,
        django_capture_on_commit_callbacks: Any) -> None:
    [text_task] = make_items(project, 1)
    mic = tmp_path / "mic.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=300:duration=1",
                    str(mic)], check=True)
    transcript = tmp_path / "transcript.txt"
    transcript.write_text("Hello there.", encoding="utf-8")
    one_audio = import_item(project, manager, [mic, transcript])
    assets = [s.asset for s in one_audio.item.streams.select_related("asset").order_by("id")]
    assert process_asset(assets[0].pk) == "ready"
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        none = client.post(_url(text_task.item_id))
        one = client.post(_url(one_audio.item_id))
    assert (none.status_code, none.json()) == (409, {
        "detail": "The sync check compares two or more streams with audio; this item has 0.", "audio_streams": 0})
    assert (one.status_code, one.json()) == (409, {
        "detail": "The sync check compares two or more streams with audio; this item has 1.", "audio_streams": 1})
    assert queued == []


def test_an_item_whose_media_is_still_processing_gets_409_saying_so(
        project: Any, manager: Any, client_for: Any, tmp_path: Path,
        django_capture_on_commit_callbacks: Any) -> None:
    task = import_item(project, manager, list(camera_and_lapel(tmp_path, 240)))  # not processed yet
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client_for(manager).post(_url(task.item_id))
    assert (response.status_code, response.json()) == (409, {
        "detail": "Not ready yet: 2 of the item's media files are still being processed; the sync check runs by "
                  "itself when they are ready.", "still_processing": 2})
    assert queued == []


@pytest.mark.parametrize(("persona", "expected"), [
    ("reviewer", 403), ("annotator_a", 403), ("outsider", 404), (None, 401),
])
def test_only_managers_of_the_project_may_ask(request: pytest.FixtureRequest, project: Any, make_items: Any,
                                              client_for: Any, persona: str | None, expected: int,
                                              django_capture_on_commit_callbacks: Any) -> None:
    [task] = make_items(project, 1)
    client = client_for(request.getfixturevalue(persona)) if persona else APIClient()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert client.post(_url(task.item_id)).status_code == expected
    assert queued == []


def test_an_unknown_item_gets_404(manager: Any, client_for: Any) -> None:
    assert client_for(manager).post(_url(987654)).status_code == 404
