"""The media task's lifecycle: any error ends ``failed`` with a message, claims are conditional, retries end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError
from django.utils import timezone

from common.jobs import stale_after
from datasets import tasks
from datasets.models import Asset, DerivedMedia
from datasets.tasks import process_asset

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(project: Any, import_files: Any, clip: Path) -> Asset:
    _, (asset,) = import_files(project, [clip])
    assert asset.status == "pending"
    return asset


def test_a_storage_read_error_fails_the_asset_instead_of_leaving_it_processing(
        pending: Asset, monkeypatch: pytest.MonkeyPatch) -> None:
    @contextmanager
    def unreadable(asset: Asset) -> Iterator[str]:
        raise PermissionError(13, "Permission denied")
        yield ""

    monkeypatch.setattr(tasks, "local_copy", unreadable)
    assert process_asset(pending.pk) == "failed"
    asset = Asset.objects.get(pk=pending.pk)
    assert (asset.status, asset.error, asset.progress, asset.attempt, asset.heartbeat_at) == (
        "failed", "Processing failed: PermissionError: [Errno 13] Permission denied", 0, 1, None)


def test_a_bug_in_a_step_fails_the_asset_with_its_type_and_message(pending: Asset, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(path: str, out: str, progress: Any) -> dict[str, Any]:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(tasks, "_video_manifest", broken)
    assert process_asset(pending.pk) == "failed"
    asset = Asset.objects.get(pk=pending.pk)
    assert (asset.status, asset.error) == ("failed", "Processing failed: ZeroDivisionError: division by zero")
    assert list(DerivedMedia.objects.filter(asset=asset).values_list("kind", flat=True)) == ["waveform"]


def test_a_database_that_stays_away_ends_failed_after_the_retries(pending: Asset, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def gone(asset: Asset, path: str) -> dict[str, Any]:
        calls.append(asset.pk)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(tasks, "_probe_and_sha", gone)
    assert process_asset.apply(args=(pending.pk,)).get() == "failed"
    assert len(calls) == 6  # the first run and five retries
    asset = Asset.objects.get(pk=pending.pk)
    assert (asset.status, asset.error, asset.attempt) == (
        "failed", "Gave up after 5 retries: OperationalError: server closed the connection unexpectedly", 6)


def test_an_asset_a_live_worker_holds_is_not_taken_by_a_second_delivery(pending: Asset) -> None:
    now = timezone.now()
    Asset.objects.filter(pk=pending.pk).update(status="processing", attempt=1, claimed_at=now, heartbeat_at=now,
                                               progress=42)
    assert process_asset(pending.pk) == "skipped"
    asset = Asset.objects.get(pk=pending.pk)
    assert (asset.status, asset.progress, asset.attempt) == ("processing", 42, 1)
    assert not DerivedMedia.objects.filter(asset=asset).exists()


def test_an_asset_whose_worker_died_is_taken_over_and_finished(pending: Asset) -> None:
    dead = timezone.now() - stale_after() - dt.timedelta(seconds=5)
    Asset.objects.filter(pk=pending.pk).update(status="processing", attempt=1, claimed_at=dead, heartbeat_at=dead)
    assert process_asset(pending.pk) == "ready"
    asset = Asset.objects.get(pk=pending.pk)
    assert (asset.status, asset.progress, asset.attempt, asset.error) == ("ready", 100, 2, "")


def test_a_late_delivery_after_ready_does_nothing(pending: Asset) -> None:
    assert process_asset(pending.pk) == "ready"
    before = Asset.objects.get(pk=pending.pk)
    artifacts = list(DerivedMedia.objects.filter(asset=before).order_by("id").values_list("id", "updated_at"))
    assert process_asset(pending.pk) == "skipped"
    after = Asset.objects.get(pk=pending.pk)
    assert (after.status, after.attempt, after.updated_at) == ("ready", 1, before.updated_at)
    assert list(DerivedMedia.objects.filter(asset=after).order_by("id").values_list("id", "updated_at")) == artifacts
