"""The sync check end to end: a proposal, once accepted, puts both recordings on one timeline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from annotation.models import Task
from annotation.prelabel import vad
from datasets.models import Asset, Stream
from datasets.tasks import estimate_item_offsets, process_asset
from tests.datasets.worker.sync_media import camera_and_lapel

pytestmark = pytest.mark.django_db
DELAY_MS = 240
RAW = "application/offset+octet-stream"



def _resumable_upload(client: Any, project: Any, path: Path) -> int:
    """Send a file through the resumable upload API in two chunks; returns the new asset's id."""
    data = path.read_bytes()
    created = client.post(f"/api/projects/{project.pk}/uploads/", {"filename": path.name, "size": len(data)},
                          format="json").json()
    half = len(data) // 2
    for offset, chunk in ((0, data[:half]), (half, data[half:])):
        response = client.generic("PATCH", created["url"], chunk, content_type=RAW, HTTP_UPLOAD_OFFSET=str(offset))
        assert response.status_code == 200, response.content
    return int(response.json()["asset"]["id"])


SENTENCE_GAP_MS = 500  # silences between sentences are 700 ms or more; pauses inside one are shorter


def _sentence_onsets_on_item_timeline(streams: list[Stream]) -> list[list[int]]:
    """Where VAD hears each sentence start in each stream, on the item timeline as pre-labelers place it.

    The two recording chains split a sentence at commas differently, so only the first speech
    segment after a long silence is compared: the sentence onsets, which both chains agree on.
    """
    items = [{"audio": default_storage.path(s.asset.storage_key), "offset_ms": s.offset_ms} for s in streams]
    results = vad.run(items, device="cpu", options={"track": "speech", "label": "speech"})
    assert [r.error for r in results] == [None] * len(streams)
    onsets: list[list[int]] = []
    for result in results:
        spans = [(r["start_ms"], r["end_ms"]) for r in result.regions]
        onsets.append([start for i, (start, _) in enumerate(spans)
                       if i == 0 or start - spans[i - 1][1] >= SENTENCE_GAP_MS])
    return onsets


def test_accepting_the_proposal_puts_both_recordings_within_20_ms(project: Any, import_files: Any, manager: Any,
                                                                  client_for: Any, tmp_path: Path) -> None:
    camera, lapel = camera_and_lapel(tmp_path, DELAY_MS)
    task, assets = import_files(project, [camera, lapel])
    for asset in assets:
        assert process_asset(asset.pk) == "ready"

    estimate_item_offsets(task.item_id)
    late = Stream.objects.get(item=task.item, role="lapel")
    # The lapel hears everything 240 ms late: it belongs 240 ms earlier on the item timeline.
    assert late.proposed_offset_ms is not None and abs(late.proposed_offset_ms + DELAY_MS) <= 5, late.proposed_offset_ms
    assert late.offset_ms == 0  # a proposal only, until a manager accepts it
    accepted = client_for(manager).patch(f"/api/streams/{late.pk}/", {"accept_proposed": True}, format="json")
    assert accepted.status_code == 200 and accepted.json()["offset_ms"] == late.proposed_offset_ms

    streams = list(Stream.objects.filter(item=task.item).select_related("asset").order_by("role"))
    assert [s.role for s in streams] == ["camera", "lapel"]
    camera_onsets, lapel_onsets = _sentence_onsets_on_item_timeline(streams)
    assert len(camera_onsets) == len(lapel_onsets) == 3, (camera_onsets, lapel_onsets)
    gaps = [abs(a - b) for a, b in zip(camera_onsets, lapel_onsets, strict=True)]
    assert max(gaps) <= 20, (camera_onsets, lapel_onsets)


def test_an_item_built_from_ready_uploads_gets_its_sync_check_at_import(project: Any, manager: Any, client_for: Any,
                                                                        tmp_path: Path, eager: None,
                                                                        django_capture_on_commit_callbacks: Any) -> None:
    camera, lapel = camera_and_lapel(tmp_path, DELAY_MS)
    client = client_for(manager)
    asset_ids = [_resumable_upload(client, project, path) for path in (camera, lapel)]
    for asset_id in asset_ids:  # processed before any item names them: no item to check yet
        assert process_asset(asset_id) == "ready"
    assert Asset.objects.filter(pk__in=asset_ids, status="ready").count() == 2

    line = {"external_id": "interview", "streams": [{"role": "camera", "asset": asset_ids[0]},
                                                    {"role": "lapel", "asset": asset_ids[1]},
                                                    {"role": "transcript", "text": "Hi."}]}  # the schema's span role
    manifest = SimpleUploadedFile("items.jsonl", json.dumps(line).encode(), "application/jsonl")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/projects/{project.pk}/import/", {"manifest": manifest}, format="multipart")
    assert response.status_code == 201, response.content

    item = Task.objects.get(project=project).item
    late = Stream.objects.get(item=item, role="lapel")
    assert late.proposed_offset_ms is not None and abs(late.proposed_offset_ms + DELAY_MS) <= 5, late.proposed_offset_ms
    assert Stream.objects.get(item=item, role="camera").proposed_offset_ms is None  # the reference


def test_the_check_runs_once_the_last_asset_of_an_item_is_ready(project: Any, import_files: Any, tmp_path: Path,
                                                                eager: None,
                                                                django_capture_on_commit_callbacks: Any) -> None:
    camera, lapel = camera_and_lapel(tmp_path, DELAY_MS)
    task, (camera_asset, lapel_asset) = import_files(project, [camera, lapel])
    late = Stream.objects.get(item=task.item, role="lapel")
    with django_capture_on_commit_callbacks(execute=True):
        assert process_asset(camera_asset.pk) == "ready"
    late.refresh_from_db()
    assert late.proposed_offset_ms is None  # the lapel is not processed yet
    with django_capture_on_commit_callbacks(execute=True):
        assert process_asset(lapel_asset.pk) == "ready"
    late.refresh_from_db()
    assert late.proposed_offset_ms is not None and abs(late.proposed_offset_ms + DELAY_MS) <= 5, late.proposed_offset_ms
