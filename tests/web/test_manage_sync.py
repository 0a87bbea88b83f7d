"""The manager's page asks for an item's sync check again, next to the stream offsets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from datasets.models import Stream
from datasets.tasks import process_asset
from tests.datasets.worker.sync_media import camera_and_lapel, import_item

pytestmark = pytest.mark.django_db



def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_manager_checks_an_item_again_from_the_page(project: Any, manager: Any, tmp_path: Path,
                                                      eager: None, django_capture_on_commit_callbacks: Any) -> None:
    task = import_item(project, manager, list(camera_and_lapel(tmp_path, 240)))
    assets = [s.asset for s in task.item.streams.select_related("asset").order_by("id")]
    for asset in assets:
        assert process_asset(asset.pk) == "ready"
    client = _client(manager)
    url = f"/projects/{project.pk}/manage/sync-check/"
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(url, {"item": str(task.item_id)}, follow=True)
    assert f"Sync check of item #{task.item_id} queued: &#x27;lapel&#x27; against &#x27;camera&#x27;." \
        in page.content.decode()
    lapel = Stream.objects.get(item=task.item, role="lapel")
    assert lapel.proposed_offset_ms is not None and abs(lapel.proposed_offset_ms + 240) <= 5

    listed = client.get(f"/projects/{project.pk}/manage/").content.decode()
    assert f'data-testid="sync-check-{task.item_id}"' in listed  # "Check again" next to the offsets
    assert f"{lapel.proposed_offset_ms} ms" in listed


def test_the_page_says_why_an_item_cannot_be_checked(project: Any, manager: Any, make_items: Any,
                                                     django_capture_on_commit_callbacks: Any) -> None:
    [task] = make_items(project, 1)
    client = _client(manager)
    url = f"/projects/{project.pk}/manage/sync-check/"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        text_only = client.post(url, {"item": "item-0"}, follow=True).content.decode()
        unknown = client.post(url, {"item": "nope"}, follow=True).content.decode()
    assert "The sync check compares two or more streams with audio; this item has 0." in text_only
    assert "No item &#x27;nope&#x27; in this project (give its external id or number)." in unknown
    assert queued == []
    assert task.item.external_id == "item-0"


def test_only_managers_may_ask_from_the_page(project: Any, reviewer: Any, outsider: Any, make_items: Any,
                                             django_capture_on_commit_callbacks: Any) -> None:
    [task] = make_items(project, 1)
    url = f"/projects/{project.pk}/manage/sync-check/"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert _client(reviewer).post(url, {"item": str(task.item_id)}).status_code == 404
        assert _client(outsider).post(url, {"item": str(task.item_id)}).status_code == 404
    assert queued == []
