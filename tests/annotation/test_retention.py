"""Retention: media of items past their date is deleted by the periodic job; labels stay, marked; audited."""

from __future__ import annotations

import io
import wave
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from annotation.models import Annotation, Project, Task
from annotation.services.imports import project_import
from common.models import AuditEvent
from datasets.models import Asset, DerivedMedia, Item
from datasets.services.assets import asset_create_from_file


def _wav(seconds: float, freq: int) -> io.BytesIO:
    import math
    import struct

    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * freq * n / 8000)))
                               for n in range(int(8000 * seconds))))
    buf.seek(0)
    return buf


def _audio(project: Project, user: User, name: str, freq: int) -> Asset:
    asset = asset_create_from_file(dataset=project.dataset, fileobj=_wav(0.5, freq), name=name, user=user, queue=False)
    prefix = f"derived/{asset.sha256}/waveform-v1/"
    default_storage.save(prefix + "waveform_256.dat", ContentFile(b"dat"))
    DerivedMedia.objects.create(asset=asset, kind="waveform", code_version="1", storage_prefix=prefix)
    return asset


@pytest.fixture
def kept_and_expired(project: Project, manager: User, annotator_a: User) -> dict[str, Any]:
    old = _audio(project, manager, "old.wav", 440)
    shared = _audio(project, manager, "shared.wav", 880)
    fresh = _audio(project, manager, "fresh.wav", 660)
    records = [
        {"external_id": "expired", "retention_until": "2027-01-10",
         "streams": [{"role": "audio", "asset": old.pk}, {"role": "room", "asset": shared.pk}]},
        {"external_id": "kept", "retention_until": "2027-06-30",
         "streams": [{"role": "audio", "asset": fresh.pk}, {"role": "room", "asset": shared.pk}]},
        {"external_id": "forever", "streams": [{"role": "transcript", "text": "no date"}]},
    ]
    result = project_import(project=project, user=manager, records=records, uploads={})
    tasks = {t.item.external_id: t for t in Task.objects.filter(pk__in=result["task_ids"]).select_related("item")}
    for task in tasks.values():
        Annotation.objects.create(task=task, annotator=annotator_a, kind="human", status="submitted",
                                  result={"regions": [{"id": "r1", "track": "speech", "label": "speech",
                                                       "start_ms": 0, "end_ms": 400}]})
    return {"old": old, "shared": shared, "fresh": fresh, "tasks": tasks}


def _sweep(today: str, capture: Any) -> str:
    from io import StringIO

    out = StringIO()
    with capture(execute=True):
        call_command("retention_sweep", "--today", today, stdout=out)
    return out.getvalue()


def test_nothing_is_deleted_on_the_last_day_of_retention(kept_and_expired: dict[str, Any],
                                                         django_capture_on_commit_callbacks: Any) -> None:
    assert "deleted: 0" in _sweep("2027-01-10", django_capture_on_commit_callbacks)
    assert default_storage.exists(kept_and_expired["old"].storage_key)
    assert not Item.objects.filter(media_deleted_at__isnull=False).exists()


def test_the_day_after_the_media_goes_and_the_labels_stay_marked(kept_and_expired: dict[str, Any],
                                                                 django_capture_on_commit_callbacks: Any) -> None:
    old, shared, fresh = kept_and_expired["old"], kept_and_expired["shared"], kept_and_expired["fresh"]
    old_derived = f"derived/{old.sha256}/waveform-v1/waveform_256.dat"
    assert "deleted: 1" in _sweep("2027-01-11", django_capture_on_commit_callbacks)

    assert not default_storage.exists(old.storage_key)
    assert not default_storage.exists(old_derived)
    assert not DerivedMedia.objects.filter(asset=old).exists()
    # still streamed by an item whose retention runs on: kept, with its derived files
    assert default_storage.exists(shared.storage_key)
    assert DerivedMedia.objects.filter(asset=shared).exists()
    assert default_storage.exists(fresh.storage_key)

    expired = Item.objects.get(external_id="expired")
    assert expired.media_deleted_at is not None
    assert Item.objects.filter(media_deleted_at__isnull=False).count() == 1
    labels = Annotation.objects.get(task__item=expired)
    assert labels.media_deleted_at is not None and labels.result["regions"][0]["label"] == "speech"
    assert not Annotation.objects.filter(media_deleted_at__isnull=False).exclude(task__item=expired).exists()
    event = AuditEvent.objects.get(action="item.retention_delete")
    assert (event.target_type, event.target_id, event.project_id) == ("item", str(expired.pk), expired.dataset.project.pk)
    assert event.data == {"retention_until": "2027-01-10", "assets_deleted": [old.pk], "assets_kept": [shared.pk]}


def test_a_second_sweep_deletes_nothing_again_and_the_audit_counts_the_deletion(
        kept_and_expired: dict[str, Any], django_capture_on_commit_callbacks: Any, project: Project) -> None:
    from annotation.selectors_audit import project_audit

    _sweep("2027-01-11", django_capture_on_commit_callbacks)
    assert "deleted: 0" in _sweep("2027-01-12", django_capture_on_commit_callbacks)
    assert AuditEvent.objects.filter(action="item.retention_delete").count() == 1
    assert project_audit(project)["retention"] == {"scheduled": 1, "media_deleted": 1}


def test_once_every_item_streaming_a_shared_file_expired_it_goes_too(
        kept_and_expired: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    shared = kept_and_expired["shared"]
    _sweep("2027-01-11", django_capture_on_commit_callbacks)
    assert "deleted: 1" in _sweep("2027-07-01", django_capture_on_commit_callbacks)
    assert not default_storage.exists(shared.storage_key)
    assert not DerivedMedia.objects.filter(asset=shared).exists()


def test_the_sweep_runs_on_beat() -> None:
    from annotation.tasks import sweep_retention

    entry = settings.CELERY_BEAT_SCHEDULE["sweep-retention"]
    assert entry["task"] == sweep_retention.name == "annotation.tasks.retention.sweep_retention"


def test_the_media_endpoint_says_the_media_was_deleted(kept_and_expired: dict[str, Any], manager: User,
                                                       django_capture_on_commit_callbacks: Any,
                                                       client_for: Any) -> None:
    _sweep("2027-01-11", django_capture_on_commit_callbacks)
    old, fresh = kept_and_expired["old"], kept_and_expired["fresh"]
    answer = client_for(manager).get(f"/api/assets/{old.pk}/media")
    assert answer.status_code == 404
    assert answer.json()["detail"] == "This asset's media was deleted at the end of its retention period."
    assert client_for(manager).get(f"/api/assets/{fresh.pk}/media").status_code == 200
