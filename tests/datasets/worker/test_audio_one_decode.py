"""An audio asset is decoded once from upload to ready: the waveform and the duplicate hash share the pass."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage

from datasets.media import compute_waveform
from datasets.media import pcm as pcm_module
from datasets.media.fingerprint import audio_fingerprint
from datasets.models import Asset, DerivedMedia
from datasets.tasks import process_asset
from tests.datasets.worker.conftest import ffmpeg

pytestmark = pytest.mark.django_db


def test_an_mp3_asset_is_decoded_once_and_gets_the_outputs_each_step_computes_alone(
        project, import_files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mp3 = tmp_path / "interview.mp3"
    ffmpeg("-f", "lavfi", "-i", "anoisesrc=d=60:c=pink:r=44100:a=0.3:seed=3", "-f", "lavfi", "-i",
           "sine=f=220:r=44100:d=60", "-filter_complex", "[0][1]amix=inputs=2,tremolo=f=0.4:d=0.7",
           "-ac", "1", "-c:a", "libmp3lame", "-b:a", "128k", str(mp3))
    alone_dir = tmp_path / "alone"
    alone = compute_waveform(str(mp3), str(alone_dir))
    alone_hash = audio_fingerprint(str(mp3))
    _, (asset,) = import_files(project, [mp3])

    decodes: list[str] = []
    real, real_graph = pcm_module._decoded_frames, pcm_module.graph_chunks

    def counted(container: object, stream: object) -> Iterator[object]:
        decodes.append(str(getattr(container, "name", "")))
        return real(container, stream)

    def counted_graph(path: str, *args: Any) -> Iterator[Any]:
        decodes.append(path)
        return real_graph(path, *args)

    monkeypatch.setattr(pcm_module, "_decoded_frames", counted)
    monkeypatch.setattr(pcm_module, "graph_chunks", counted_graph)
    assert process_asset(asset.pk) == "ready"
    assert len(decodes) == 1

    asset = Asset.objects.get(pk=asset.pk)
    assert (asset.kind, asset.perceptual_hash) == ("audio", alone_hash)
    wave = DerivedMedia.objects.get(asset=asset, kind="waveform")
    assert wave.manifest == alone
    for level in alone["levels"]:
        with default_storage.open(wave.storage_prefix + level["file"], "rb") as fh:
            assert fh.read() == (alone_dir / level["file"]).read_bytes()

