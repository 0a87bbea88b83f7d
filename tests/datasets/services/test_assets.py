"""Assets (``datasets.services.assets``): an upload stored by its content's kind, refusals that store nothing,
keys under the import source, and status moves along ASSET_TRANSITIONS only."""

from __future__ import annotations

import hashlib
import io
import math
import struct
import wave
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from annotation.models import Project
from common.errors import InvalidInput, InvalidTransition, TooLarge, UnsupportedMedia
from datasets.media.sniff import SNIFF_BYTES
from datasets.models import Asset
from datasets.services.assets import asset_create_from_file, asset_create_from_key, asset_set_status


def _wav_bytes() -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / 8000)))
                               for n in range(4000)))
    return buf.getvalue()


def _stored() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_a_recording_is_stored_whole_and_waits_for_processing(project: Project, manager: User,
                                                             django_capture_on_commit_callbacks: Any) -> None:
    data = _wav_bytes()
    with django_capture_on_commit_callbacks() as queued:
        asset = asset_create_from_file(dataset=project.dataset, fileobj=io.BytesIO(data), name="tone.wav", user=manager)
    assert (asset.kind, asset.status, asset.size, asset.sha256, asset.original_name, asset.meta) == (
        "audio", "pending", len(data), hashlib.sha256(data).hexdigest(), "tone.wav", {})
    with default_storage.open(asset.storage_key) as fh:
        assert fh.read() == data
    assert len(queued) == 1  # the processing job, sent once the row is committed


def test_text_is_ready_at_once_with_its_characters_counted_and_a_misleading_name_noted(
        project: Project, manager: User, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks() as queued:
        asset = asset_create_from_file(dataset=project.dataset, fileobj=io.BytesIO("Zoë met Jürgen.".encode()),
                                       name="talk.mp3", user=manager)
    assert (asset.kind, asset.status, asset.size) == ("text", "ready", 17)
    assert asset.meta == {"kind": "text", "chars": 15,
                          "warnings": ["the file is named .mp3 (audio) but its content is text; it was imported as text"]}
    assert queued == []


@pytest.mark.parametrize(("data", "error", "message"), [
    (b"", InvalidInput, "'x.bin' is empty."),
    (b"\x00\x01\x02\x03" * 64, UnsupportedMedia, "'x.bin' is not a video, audio, image or UTF-8 text file we can read."),
    (b"a" * SNIFF_BYTES + b"\xff", UnsupportedMedia, "'x.bin' is not valid UTF-8 text (bad byte at offset 65536)."),
])
def test_a_file_we_cannot_read_is_refused_and_nothing_is_stored(project: Project, manager: User, data: bytes,
                                                                error: type[Exception], message: str) -> None:
    with pytest.raises(error) as caught:
        asset_create_from_file(dataset=project.dataset, fileobj=io.BytesIO(data), name="x.bin", user=manager)
    assert caught.value.detail == message  # type: ignore[attr-defined]
    assert (Asset.objects.count(), _stored()) == (0, [])


def test_an_upload_over_the_limit_is_a_413_before_it_is_read(project: Project, manager: User, settings: Any) -> None:
    settings.TANDEM_MAX_UPLOAD_BYTES = 1000
    upload = SimpleUploadedFile("big.wav", _wav_bytes())
    with pytest.raises(TooLarge) as caught:
        asset_create_from_file(dataset=project.dataset, fileobj=upload, name="big.wav", user=manager)
    assert caught.value.detail == "'big.wav' is 8044 bytes; the limit is 1000."
    assert (Asset.objects.count(), _stored()) == (0, [])


def test_a_key_under_the_import_source_becomes_an_unprobed_asset(project: Project, manager: User,
                                                                 django_capture_on_commit_callbacks: Any) -> None:
    project.dataset.import_source = "incoming/"
    project.dataset.save(update_fields=["import_source"])
    with pytest.raises(InvalidInput) as missing:
        asset_create_from_key(dataset=project.dataset, key="incoming/none.wav", user=manager)
    assert (missing.value.detail, missing.value.extra) == ("No file at storage key 'incoming/none.wav'.",
                                                          {"field": "key"})
    default_storage.save("incoming/day1/tone.wav", ContentFile(_wav_bytes()))
    with django_capture_on_commit_callbacks() as queued:
        asset = asset_create_from_key(dataset=project.dataset, key="incoming/day1/tone.wav", user=manager)
    assert (asset.kind, asset.status, asset.original_name, asset.size) == ("unknown", "pending", "tone.wav", 8044)
    assert (len(queued), Asset.objects.count()) == (1, 1)


def test_status_moves_only_along_the_asset_machine(project: Project, manager: User) -> None:
    asset = asset_create_from_file(dataset=project.dataset, fileobj=io.BytesIO(_wav_bytes()), name="t.wav",
                                   user=manager, queue=False)
    with pytest.raises(InvalidTransition) as caught:
        asset_set_status(asset, "ready")
    assert caught.value.detail == "asset: cannot go from 'pending' to 'ready'."
    assert Asset.objects.get(pk=asset.pk).status == "pending"
    asset_set_status(asset, "processing")
    asset_set_status(asset, "failed", error="no audio stream")
    assert (asset.status, asset.error) == ("failed", "no audio stream")
    assert Asset.objects.filter(pk=asset.pk).values_list("status", "error").get() == ("failed", "no audio stream")
