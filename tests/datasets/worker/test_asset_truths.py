"""What the asset endpoints say agrees with what the asset is: frame rate, audio, name vs content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from datasets.models import Asset
from datasets.tasks import process_asset
from tests.datasets.worker.conftest import ffmpeg

pytestmark = pytest.mark.django_db


def test_the_frame_index_gives_the_frame_rate_the_asset_gives(project, import_files, clip, manager, client_for) -> None:
    _, (asset,) = import_files(project, [clip])
    assert process_asset(asset.pk) == "ready"
    client = client_for(manager)
    assert client.get(f"/api/assets/{asset.pk}/").json()["fps"] == 25.0
    frames = json.loads(client.get(f"/api/assets/{asset.pk}/frames/").content)
    assert frames["fps"] == 25.0
    assert len(frames["timestamps_ms"]) == 100


def test_a_ready_asset_without_audio_has_no_waveform_404(project, import_files, tmp_path: Path, manager,
                                                         client_for) -> None:
    silent = tmp_path / "silent.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=1", "-c:v", "libx264", "-preset", "ultrafast",
           "-pix_fmt", "yuv420p", str(silent))
    notes = tmp_path / "notes.txt"
    notes.write_text("Alice met Bob.", encoding="utf-8")
    _, (video, text) = import_files(project, [silent, notes])
    assert process_asset(video.pk) == "ready"
    assert Asset.objects.get(pk=text.pk).status == "ready"
    client = client_for(manager)
    for asset in (video, text):
        response = client.get(f"/api/assets/{asset.pk}/waveform/")
        assert (response.status_code, response.json()) == (404, {"detail": "This asset has no audio."})


def test_a_file_whose_name_and_content_disagree_carries_a_warning(project, manager, client_for) -> None:
    files = [SimpleUploadedFile("interview.mp3", b"This is a transcript, not a recording.\n"),
             SimpleUploadedFile("notes.txt", b"Alice met Bob.\n")]
    client = client_for(manager)
    response = client.post(f"/api/projects/{project.pk}/import/", {"files": files}, format="multipart")
    assert response.status_code == 201, response.content
    mislabeled = Asset.objects.get(original_name="interview.mp3")
    named_right = Asset.objects.get(original_name="notes.txt")
    assert (mislabeled.kind, mislabeled.status) == ("text", "ready")
    assert client.get(f"/api/assets/{mislabeled.pk}/").json()["warnings"] == [
        "the file is named .mp3 (audio) but its content is text; it was imported as text"]
    assert client.get(f"/api/assets/{named_right.pk}/").json()["warnings"] == []

