"""An import queues the sync check exactly for the items built from two or more ready assets with audio."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotation.services.imports import project_import
from annotation.services.projects import project_create
from datasets.models import Asset, Item
from datasets.services import sync

pytestmark = pytest.mark.django_db(transaction=True)

SCHEMA = {"tracks": [{"name": "speech", "kind": "segment", "labels": [{"value": "speech"}]}]}
AUDIO_META = {"streams": [{"type": "audio"}]}


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(sync, "enqueue_on_commit", lambda *args: calls.append(args))
    return calls


def test_only_items_with_two_ready_audio_streams_are_queued(queued: list[tuple[Any, ...]]) -> None:
    user = User.objects.create_user("sync-manager", password="x", is_staff=True)
    project = project_create(user=user, name="sync", schema=SCHEMA, overlap=1)

    def asset(name: str, kind: str, status: str, meta: dict[str, Any]) -> int:
        return Asset.objects.create(dataset=project.dataset, kind=kind, storage_key=f"k/{name}", status=status,
                                    meta=meta).pk

    mic, cam = asset("mic", "audio", "ready", AUDIO_META), asset("cam", "video", "ready", AUDIO_META)
    silent = asset("silent", "video", "ready", {"streams": [{"type": "video"}]})
    waiting = asset("waiting", "audio", "processing", {})
    notes = asset("notes", "text", "ready", {})
    records = [
        {"external_id": "both", "streams": [{"role": "a", "asset": mic}, {"role": "b", "asset": cam}]},
        {"external_id": "one-audio", "streams": [{"role": "a", "asset": mic}, {"role": "b", "asset": notes}]},
        {"external_id": "silent", "streams": [{"role": "a", "asset": mic}, {"role": "b", "asset": silent}]},
        {"external_id": "waiting", "streams": [{"role": "a", "asset": mic}, {"role": "b", "asset": cam},
                                               {"role": "c", "asset": waiting}]},
        {"external_id": "text", "streams": [{"role": "a", "text": "hello"}, {"role": "b", "asset": mic}]},
    ]
    project_import(project=project, user=user, records=records, uploads={})
    both = Item.objects.get(dataset=project.dataset, external_id="both")
    assert queued == [(sync.SYNC_TASK, both.pk)]


def test_text_items_naming_an_asset_cost_no_query_per_item(queued: list[tuple[Any, ...]]) -> None:
    user = User.objects.create_user("sync-manager", password="x", is_staff=True)
    project = project_create(user=user, name="sync", schema=SCHEMA, overlap=1)
    notes = Asset.objects.create(dataset=project.dataset, kind="text", storage_key="k/notes", status="ready").pk

    def queries(n: int) -> int:
        records = [{"external_id": f"t{n}-{i}", "streams": [{"role": "t", "asset": notes}]} for i in range(n)]
        with CaptureQueriesContext(connection) as captured:
            project_import(project=project, user=user, records=records, uploads={})
        return len(captured)

    assert queries(1500) == queries(12_000)  # both large enough to refresh the planner statistics
    assert queued == []
