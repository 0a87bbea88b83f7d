"""Derived media rows: only the current code version is served, and recording an artifact twice keeps one row."""

from __future__ import annotations

import io
import math
import struct
import wave

import pytest
from django.contrib.auth.models import User

from annotation.models import Project
from datasets import media
from datasets.models import Asset, DerivedMedia
from datasets.services.assets import asset_create_from_file
from datasets.services.derived import current_version, current_versions, derived_latest, derived_record


def _wav() -> io.BytesIO:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / 8000)))
                               for n in range(4000)))
    buf.seek(0)
    return buf


@pytest.fixture
def asset(project: Project, manager: User) -> Asset:
    return asset_create_from_file(dataset=project.dataset, fileobj=_wav(), name="tone.wav", user=manager, queue=False)


def test_each_kind_has_the_version_of_its_media_module() -> None:
    assert current_versions() == {"waveform": str(media.WAVEFORM_VERSION), "video": str(media.VIDEO_ANALYSIS_VERSION),
                                  "proxy": str(media.PROXY_VERSION)}
    assert current_version("frames") is None


def test_an_artifact_of_an_old_version_is_not_served(asset: Asset) -> None:
    old = f"{media.WAVEFORM_VERSION}-old"
    derived_record(asset, "waveform", old, "derived/old/", {"levels": [256]})
    assert derived_latest(asset, "waveform") is None
    current = derived_record(asset, "waveform", str(media.WAVEFORM_VERSION), "derived/new/", {"levels": [256, 512]})
    derived_record(asset, "proxy", str(media.PROXY_VERSION), "derived/proxy/", {})
    assert derived_latest(asset, "waveform") == current
    assert derived_latest(asset, "waveform").manifest == {"levels": [256, 512]}  # type: ignore[union-attr]


def test_a_kind_without_a_version_serves_its_newest_row(asset: Asset) -> None:
    derived_record(asset, "frames", "1", "derived/f1/", {})
    newest = derived_record(asset, "frames", "2", "derived/f2/", {})
    assert derived_latest(asset, "frames") == newest


def test_recording_the_same_artifact_twice_keeps_the_first_row(asset: Asset) -> None:
    version = str(media.WAVEFORM_VERSION)
    first = derived_record(asset, "waveform", version, "derived/a/", {"levels": [256]})
    again = derived_record(asset, "waveform", version, "derived/b/", {"levels": [512]})
    assert again.pk == first.pk
    assert list(DerivedMedia.objects.filter(asset=asset).values_list("storage_prefix", "manifest")) == [
        ("derived/a/", {"levels": [256]})]
    assert Asset.objects.filter(pk=asset.pk).exists()  # the transaction is still usable after the clash
