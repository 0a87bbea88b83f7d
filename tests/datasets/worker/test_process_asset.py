"""The media task on real files: artifacts, idempotence, failures, Range serving, permissions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from datasets.models import Asset, DerivedMedia, Stream
from datasets.tasks import estimate_item_offsets, process_asset
from tests.datasets.worker.conftest import ffmpeg

pytestmark = pytest.mark.django_db


def test_a_video_gets_waveform_shots_frames_and_no_proxy_when_playable(project, import_files, clip, reviewer, client_for) -> None:
    _, (asset,) = import_files(project, [clip])
    assert process_asset(asset.pk) == "ready"
    asset.refresh_from_db()
    assert (asset.status, asset.progress, asset.kind) == ("ready", 100, "video")
    assert asset.meta["waveform_levels"][0] == 256
    kinds = set(DerivedMedia.objects.filter(asset=asset).values_list("kind", flat=True))
    assert kinds == {"waveform", "video"}  # H.264/AAC MP4 plays in a browser: no proxy

    client = client_for(reviewer)
    wave = client.get(f"/api/assets/{asset.pk}/waveform/?level=512&format=json").json()
    assert (wave["version"], wave["samples_per_pixel"], wave["channels"]) == (2, 512, 1)
    assert wave["length"] == pytest.approx(4 * wave["sample_rate"] / 512, abs=2)
    dat = client.get(f"/api/assets/{asset.pk}/waveform/?level=512&format=dat")
    assert dat["Content-Type"] == "application/octet-stream" and dat.content[:4] == (2).to_bytes(4, "little")
    frames = json.loads(client.get(f"/api/assets/{asset.pk}/frames/").content)
    assert frames["timestamps_ms"][:3] == [0, 40, 80] and len(frames["timestamps_ms"]) == 100
    shots = client.get(f"/api/assets/{asset.pk}/shots/").json()
    assert shots["keyframes_ms"][0] == 0
    assert shots["filmstrips"] and shots["filmstrips"][0]["sprites"][0].startswith(f"/api/assets/{asset.pk}/derived/")
    sprite = client.get(shots["filmstrips"][0]["sprites"][0])
    assert sprite.status_code == 200 and sprite.content[:2] == b"\xff\xd8"
    assert client.get(f"/api/assets/{asset.pk}/waveform/?level=7").status_code == 400
    base = shots["filmstrips"][0]["sprites"][0].rsplit("/", 1)[0]
    assert client.get(f"{base}/frames.json").status_code == 404  # only listed images are served
    assert client.get(f"{base}/sprite").status_code == 404


def test_running_the_task_twice_computes_nothing_new(project, import_files, clip) -> None:
    _, (asset,) = import_files(project, [clip])
    process_asset(asset.pk)
    first = list(DerivedMedia.objects.filter(asset=asset).order_by("id").values_list("id", "kind", "updated_at"))
    process_asset(asset.pk)
    assert list(DerivedMedia.objects.filter(asset=asset).order_by("id").values_list("id", "kind", "updated_at")) == first


def test_an_audio_file_browsers_cannot_play_gets_a_playable_proxy(project, import_files, tmp_path: Path, reviewer, client_for) -> None:
    flac = tmp_path / "mic.flac"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=220:duration=2", str(flac))
    _, (asset,) = import_files(project, [flac])
    assert process_asset(asset.pk) == "ready"
    proxy = DerivedMedia.objects.get(asset=asset, kind="proxy")
    assert proxy.manifest["file"].endswith(".m4a")
    body = b"".join(client_for(reviewer).get(f"/api/assets/{asset.pk}/media").streaming_content)
    assert body[4:8] == b"ftyp"


CORRUPT = "unsupported format or corrupt file (Invalid data found when processing input)"


@pytest.mark.parametrize(
    ("name", "payload", "message"),
    [
        ("truncated.mp4", "truncate", CORRUPT),
        ("noise.wav", b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 200, CORRUPT),
    ],
)
def test_a_broken_file_ends_failed_with_a_message_and_the_worker_survives(project, import_files, clip, tmp_path: Path,
                                                                           name: str, payload: Any, message: str) -> None:
    bad = tmp_path / name
    bad.write_bytes(clip.read_bytes()[: clip.stat().st_size // 3] if payload == "truncate" else payload)
    good = tmp_path / "good.mp4"
    good.write_bytes(clip.read_bytes())
    _, assets = import_files(project, [bad, good])
    results = [process_asset(a.pk) for a in assets]
    assert results == ["failed", "ready"]
    failed = Asset.objects.get(pk=assets[0].pk)
    assert (failed.status, failed.error, failed.progress) == ("failed", message, 0)
    assert not DerivedMedia.objects.filter(asset=failed).exists()


def test_media_bytes_are_served_with_range(project, import_files, clip, reviewer, client_for) -> None:
    _, (asset,) = import_files(project, [clip])
    data = clip.read_bytes()
    client = client_for(reviewer)
    part = client.get(f"/api/assets/{asset.pk}/media?original=1", HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert b"".join(part.streaming_content) == data[100:200]
    tail = client.get(f"/api/assets/{asset.pk}/media?original=1", HTTP_RANGE="bytes=-10")
    assert b"".join(tail.streaming_content) == data[-10:]
    assert client.get(f"/api/assets/{asset.pk}/media", HTTP_RANGE=f"bytes={len(data)}-").status_code == 416


def test_an_annotator_of_another_project_gets_404_for_media_waveform_and_shots(project, import_files, clip, outsider, annotator_a, client_for) -> None:
    _, (asset,) = import_files(project, [clip])
    process_asset(asset.pk)
    for user in (outsider, annotator_a):  # annotator_a is a member but holds no task with this asset
        client = client_for(user)
        for path in ("", "media", "waveform/", "shots/", "frames/"):
            assert client.get(f"/api/assets/{asset.pk}/{path}").status_code == 404, (user.username, path)


def test_a_separate_recording_240_ms_late_is_found_within_one_frame(project, import_files, tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    bursts = tmp_path / "bursts.wav"
    # Noise bursts at irregular times give the envelope a single clear alignment.
    starts = np.cumsum(rng.uniform(0.3, 0.9, 12))
    expr = "+".join(f"between(t,{s:.3f},{s + 0.12:.3f})" for s in starts)
    ffmpeg("-f", "lavfi", "-i", f"anoisesrc=d=10:a=0.5:seed=3,volume='0.05+({expr})':eval=frame", "-ar", "16000", str(bursts))
    video = tmp_path / "camera.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=10", "-i", str(bursts), "-c:v", "libx264",
           "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(video))
    lapel = tmp_path / "lapel.wav"
    ffmpeg("-i", str(bursts), "-af", "adelay=240", "-t", "10", str(lapel))
    task, assets = import_files(project, [video, lapel])
    for asset in assets:
        assert process_asset(asset.pk) == "ready"
    estimate_item_offsets(task.item_id)
    lapel_stream = Stream.objects.get(item=task.item, role="lapel")
    assert lapel_stream.proposed_offset_ms is not None
    assert abs(lapel_stream.proposed_offset_ms + 240) <= 40  # late by 240 ms: placed 240 ms earlier
    assert lapel_stream.offset_confidence > 0.5
    assert lapel_stream.offset_ms == 0  # a proposal only: a manager confirms it


def test_a_manager_confirms_or_sets_a_stream_offset_and_others_cannot(project, manager, reviewer, outsider,
                                                                      client_for, make_items) -> None:
    [task] = make_items(project, 1)
    stream = task.item.streams.get()
    url = f"/api/streams/{stream.pk}/"
    assert client_for(manager).patch(url, {"accept_proposed": True}, format="json").status_code == 409
    Stream.objects.filter(pk=stream.pk).update(proposed_offset_ms=240, offset_confidence=0.9)
    assert client_for(reviewer).patch(url, {"accept_proposed": True}, format="json").status_code == 403
    assert client_for(outsider).patch(url, {"offset_ms": 5}, format="json").status_code == 404
    assert Stream.objects.get(pk=stream.pk).offset_ms == 0
    confirmed = client_for(manager).patch(url, {"accept_proposed": True}, format="json")
    assert confirmed.status_code == 200 and confirmed.json()["offset_ms"] == 240
    edited = client_for(manager).patch(url, {"offset_ms": -120}, format="json")
    assert edited.json()["offset_ms"] == -120
    assert client_for(manager).patch(url, {"offset_ms": "soon"}, format="json").status_code == 400
    assert Stream.objects.get(pk=stream.pk).offset_ms == -120
