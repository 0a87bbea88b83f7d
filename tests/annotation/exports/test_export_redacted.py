"""The redacted export: rendered media and masked records in one zip, the originals never in it."""

from __future__ import annotations

import gzip
import io
import subprocess
import wave
import zipfile
from pathlib import Path
from typing import Any

import av
import numpy as np
import orjson
import pytest
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from export_helpers import download, ready_asset

from annotation.models import Annotation, Job, Project, Task
from annotation.services.imports import project_import
from annotation.services.projects import project_create
from datasets.media.redact import MASK_CHAR
from datasets.models import Asset

pytestmark = pytest.mark.django_db

TEXT = "Call Ann at ann@example.com now."
M = MASK_CHAR
SCHEMA: dict[str, Any] = {"tracks": [
    {"name": "words", "kind": "transcript"},
    {"name": "entities", "kind": "span", "stream": "transcript", "labels": [{"value": "PER"}],
     "attributes": [{"name": "who", "type": "text"}, {"name": "sure", "type": "bool"}]},
    {"name": "private", "kind": "redact", "labels": [{"value": "face"}, {"value": "voice"}, {"value": "name"},
                                                     {"value": "address"}]},
]}
BOX = [{"time_ms": 400, "x": 0.25, "y": 0.25, "w": 0.5, "h": 0.5}, {"time_ms": 1200, "x": 0.25, "y": 0.25, "w": 0.5,
                                                                    "h": 0.5}]
AUDIO_OFFSET = 120
REGIONS = [
    {"id": "r1", "track": "private", "label": "face", "keyframes": BOX},
    {"id": "r2", "track": "private", "label": "voice", "start_ms": 500, "end_ms": 1000},
    {"id": "r3", "track": "private", "label": "name", "start_char": 5, "end_char": 8, "text": "Ann"},
    {"id": "r4", "track": "private", "label": "address", "start_char": 12, "end_char": 27},
    {"id": "e1", "track": "entities", "label": "PER", "start_char": 0, "end_char": 8, "text": "Call Ann",
     "attributes": {"who": "ANN, the caller", "sure": True}},
    {"id": "w1", "track": "words", "start_ms": 0, "end_ms": 1500, "text": "call ann at ann@example.com",
     "words": [{"text": "call", "start_ms": 0, "end_ms": 300}, {"text": "ann", "start_ms": 300, "end_ms": 600},
               {"text": "at", "start_ms": 600, "end_ms": 800},
               {"text": "ann@example.com", "start_ms": 800, "end_ms": 1500}]},
]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """2 s of 320x240 noise video, and 2 s of a 16 kHz 440 Hz tone."""
    folder = tmp_path_factory.mktemp("redacted-export")
    video = folder / "noise.mp4"
    rng = np.random.default_rng(3)
    base = np.repeat(np.repeat(rng.integers(0, 256, (60, 80), dtype=np.uint8), 4, 0), 4, 1)
    with av.open(str(video), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        stream.options = {"crf": "16"}
        for n in range(50):
            frame = av.VideoFrame.from_ndarray(np.roll(base, 4 * n, axis=1), format="gray")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    audio = folder / "mic.wav"
    tone = (np.sin(2 * np.pi * 440 * np.arange(32_000) / 16_000) * 12_000).astype("<i2")
    with wave.open(str(audio), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16_000)
        w.writeframes(tone.tobytes())
    return {"video": video, "audio": audio}


@pytest.fixture
def redact_project(manager: User, files: dict[str, Path]) -> tuple[Project, Task, list[Asset]]:
    project = project_create(user=manager, name="Private interviews", schema=SCHEMA, overlap=1)
    video, audio = ready_asset(project, files["video"], manager), ready_asset(project, files["audio"], manager)
    records = [{"external_id": "talk-1", "duration_ms": 2000,
                "streams": [{"role": "video", "asset": video.pk}, {"role": "audio", "asset": audio.pk,
                                                                    "offset_ms": AUDIO_OFFSET},
                            {"role": "transcript", "text": TEXT}]}]
    result = project_import(project=project, user=manager, records=records, uploads={})
    task = Task.objects.get(pk=result["task_ids"][0])
    Annotation.objects.create(task=task, annotator=None, kind="gold", status="submitted", result={"regions": REGIONS})
    text_asset = task.item.streams.get(role="transcript").asset
    return project, task, [video, audio, text_asset]


def _strings(value: Any) -> list[str]:
    """Every string value inside a JSON value (keys left out)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _gray(data: bytes) -> list[np.ndarray]:
    with av.open(io.BytesIO(data)) as c:
        return [f.to_ndarray(format="gray").astype(np.float64) for f in c.decode(video=0)]


def _samples(data: bytes) -> np.ndarray:
    with av.open(io.BytesIO(data)) as c:
        return np.concatenate([f.to_ndarray()[0] for f in c.decode(audio=0)]).astype(np.float64)


def test_redacted_export_renders_every_redaction_and_ships_no_original(
        redact_project: tuple[Project, Task, list[Asset]], start_export: Any, client_for: Any, manager: User,
        files: dict[str, Path]) -> None:
    project, task, assets = redact_project
    response = start_export(project, {"format": "jsonl", "redact": True})
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded", job.error
    assert job.params["redact"] == {"boxes": "blur", "sound": "mute"}
    assert job.progress == 100 and job.result["media_files"] == 3
    # 21 frames from 400 to 1200 ms; 500 ms of 16 kHz sound
    assert job.result["redacted"] == {"frames": 21, "samples": 8000, "renderer_version": "1"}
    data = download(client_for(manager), job.pk)
    item = task.item_id
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = sorted(z.namelist())
        members = {n: z.read(n) for n in names}
    assert names == ["export.jsonl", f"media/{item}/audio.flac", f"media/{item}/transcript.txt",
                     f"media/{item}/video.mp4"]
    # no original: not its storage key, not its bytes, not the redacted characters, anywhere in the zip
    everything = data + b"".join(members.values())
    for asset in assets:
        assert asset.storage_key.encode() not in everything
        assert asset.sha256.encode() not in everything
    originals = [files["video"].read_bytes(), files["audio"].read_bytes()]
    assert all(m not in originals for m in members.values())
    assert b"ann@example.com" not in everything
    values = [*_strings(orjson.loads(members["export.jsonl"])), members[f"media/{item}/transcript.txt"].decode()]
    assert not [v for v in values if "ann" in v.lower()]

    [record] = [orjson.loads(line) for line in members["export.jsonl"].splitlines()]
    masked = f"Call {M * 3} at {M * 15} now."
    assert record["texts"] == {"transcript": masked}
    assert members[f"media/{item}/transcript.txt"].decode() == masked
    assert {s["role"]: s["uri"] for s in record["streams"]} == {
        "video": f"media/{item}/video.mp4", "audio": f"media/{item}/audio.flac",
        "transcript": f"media/{item}/transcript.txt"}
    regions = {r["id"]: r for r in record["annotations"][0]["regions"]}
    assert regions["e1"]["text"] == f"Call {M * 3}"
    assert regions["e1"]["attributes"] == {"who": f"{M * 3}, the caller", "sure": True}
    assert regions["w1"]["text"] == f"call {M * 3} at {M * 15}"  # in any case
    assert [w["text"] for w in regions["w1"]["words"]] == ["call", M * 3, "at", M * 15]
    assert [w["start_ms"] for w in regions["w1"]["words"]] == [0, 300, 600, 800]
    assert "text" not in regions["r3"] and regions["r3"]["start_char"] == 5
    assert regions["r1"]["keyframes"] == BOX

    src = _gray(files["video"].read_bytes())
    out = _gray(members[f"media/{item}/video.mp4"])
    assert len(out) == len(src) == 50
    for n, (a, b) in enumerate(zip(src, out, strict=True)):
        inside = 400 <= n * 40 <= 1200
        core_a, core_b = a[64:176, 84:236], b[64:176, 84:236]
        if inside:
            assert core_b.var() < 0.05 * core_a.var(), n
        else:
            assert np.abs(core_a - core_b).mean() < 3, n
        assert np.abs(a[:56] - b[:56]).mean() < 3, n  # above the box: untouched on every frame

    sound = _samples(members[f"media/{item}/audio.flac"]) / 32768
    start, end = (500 - AUDIO_OFFSET) * 16, (1000 - AUDIO_OFFSET) * 16  # the item-timeline segment on the stream
    assert not sound[start:end].any()
    assert sound[start - 1] != 0 or sound[start - 2] != 0
    expected = np.sin(2 * np.pi * 440 * np.arange(32_000) / 16_000) * 12_000
    outside = np.r_[0:start, end:32_000]
    assert np.abs(sound[outside] * 32768 - expected[outside].astype("<i2")).max() == 0


def test_redact_needs_a_redact_track(project: Project, start_export: Any) -> None:
    response = start_export(project, {"format": "jsonl", "redact": True})
    assert response.status_code == 400
    assert response.json()["field"] == "redact"
    assert not Job.objects.filter(project=project).exists()


@pytest.mark.parametrize(("redact", "field"), [
    ({"boxes": "pixelate"}, "redact.boxes"),
    ({"sound": "beep"}, "redact.sound"),
    ({"faces": True}, "redact.faces"),
    ("yes", "redact"),
])
def test_bad_redact_options_are_400_naming_the_field(redact: Any, field: str, start_export: Any,
                                                      redact_project: tuple[Project, Task, list[Asset]]) -> None:
    project = redact_project[0]
    response = start_export(project, {"format": "jsonl", "redact": redact})
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert not Job.objects.filter(project=project).exists()


def test_fill_and_tone_options_and_a_zipped_format(redact_project: tuple[Project, Task, list[Asset]],
                                                   start_export: Any, client_for: Any, manager: User) -> None:
    project, task, _ = redact_project
    response = start_export(project, {"format": "hf", "redact": {"boxes": "fill", "sound": "tone"}})
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded", job.error
    assert job.result["file_name"].endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(download(client_for(manager), job.pk))) as z:
        names = z.namelist()
        video = z.read(f"media/{task.item_id}/video.mp4")
        sound = _samples(z.read(f"media/{task.item_id}/audio.flac")) / 32768
    assert "README.md" in names
    frames = _gray(video)
    assert frames[20][70:170, 90:230].mean() < 20 and frames[5][70:170, 90:230].mean() > 60
    seg = sound[(500 - AUDIO_OFFSET) * 16 + 100:(1000 - AUDIO_OFFSET) * 16 - 100]
    assert np.sqrt(np.mean(seg**2)) == pytest.approx(0.1 / np.sqrt(2), rel=0.02)


def test_ffmpeg_reads_the_rendered_video(redact_project: tuple[Project, Task, list[Asset]], start_export: Any,
                                         client_for: Any, manager: User, tmp_path: Path) -> None:
    project, task, _ = redact_project
    job_id = start_export(project, {"format": "csv", "redact": True}).json()["id"]
    with zipfile.ZipFile(io.BytesIO(download(client_for(manager), job_id))) as z:
        z.extract(f"media/{task.item_id}/video.mp4", tmp_path)
    proc = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                           "stream=codec_name,nb_read_frames", "-of", "csv=p=0",
                           str(tmp_path / f"media/{task.item_id}/video.mp4")], capture_output=True, text=True)
    assert proc.stdout.strip() == "h264,50"


def test_a_redacted_release_keeps_only_masked_records_in_its_snapshot(
        redact_project: tuple[Project, Task, list[Asset]], start_export: Any) -> None:
    project, _, assets = redact_project
    response = start_export(project, {"format": "jsonl", "redact": True, "release": "v1-redacted"})
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded", job.error
    assert job.result["manifest"]["files"] == {job.result["file_name"]: job.result["sha256"]}
    with default_storage.open(job.result["snapshot_key"], "rb") as fh:
        snapshot = gzip.decompress(fh.read())
    [record] = [orjson.loads(line) for line in snapshot.splitlines()]
    assert record["texts"] == {"transcript": f"Call {M * 3} at {M * 15} now."}
    assert b"ann@example.com" not in snapshot
    assert all(a.storage_key.encode() not in snapshot for a in assets)


def test_a_missing_media_file_fails_the_job_with_its_name_and_saves_nothing(
        redact_project: tuple[Project, Task, list[Asset]], start_export: Any) -> None:
    project, _, (video, _, _) = redact_project
    default_storage.delete(video.storage_key)
    job = Job.objects.get(pk=start_export(project, {"format": "jsonl", "redact": True}).json()["id"])
    assert job.status == "failed"
    assert job.error == f"Media file '{video.storage_key}' is missing from storage."
    assert job.file_key == ""
    assert not default_storage.exists(f"exports/{project.pk}/{job.pk}")
