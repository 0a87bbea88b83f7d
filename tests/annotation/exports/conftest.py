"""A labeled project for the export API: real media, every track kind, three annotators, gold, a prediction.

Two items share one generated video (PyAV, 320x240 at 25 fps) and one generated WAV; each also
has its own transcript text. Annotation rows are written directly (the API that makes them is
tested elsewhere); tasks get fixed statuses and agreement values so filters have known answers.
"""

from __future__ import annotations

import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from django.contrib.auth.models import User
from export_helpers import FPS, TEXT, VIDEO_H, VIDEO_W, prediction_regions, ready_asset, regions

from annotation.models import Annotation, Prediction, Project, Task
from annotation.services.imports import project_import
from annotation.services.projects import member_set
from datasets.models import Asset


@pytest.fixture(scope="session")
def media_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 1 s H.264 video with a moving bar and a 1 s 440 Hz WAV, made once per run."""
    folder = tmp_path_factory.mktemp("export-media")
    video = folder / "clip.mp4"
    with av.open(str(video), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = VIDEO_W, VIDEO_H, "yuv420p"
        for n in range(FPS):
            img = np.zeros((VIDEO_H, VIDEO_W, 3), dtype=np.uint8)
            img[:, n * 10:(n * 10) + 20] = 255
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    audio = folder / "mic.wav"
    samples = (np.sin(2 * np.pi * 440 * np.arange(16_000) / 16_000) * 12_000).astype("<i2")
    with wave.open(str(audio), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16_000)
        w.writeframes(samples.tobytes())
    return {"video": video, "audio": audio}


@dataclass
class Labeled:
    project: Project
    tasks: list[Task]
    annotators: list[User]
    video: Asset
    audio: Asset
    gold_regions: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


@pytest.fixture
def labeled(project: Project, manager: User, annotator_a: User, annotator_b: User,
            media_files: dict[str, Path]) -> Labeled:
    """Items: clip-0 (gold, agreement 0.9), clip-1 (review, 0.4, no gold), clip-2 (open, unlabeled)."""
    annotator_c = User.objects.create_user(username="annotator_c", password="annotator_c-pass-123")
    member_set(project=project, user=manager, member=annotator_c, role="annotator")
    video = ready_asset(project, media_files["video"], manager)
    audio = ready_asset(project, media_files["audio"], manager)
    records = [{"external_id": f"clip-{i}", "duration_ms": 6000, "provenance": {"kind": "captured"},
                "metadata": {"n": i},
                "streams": [{"role": "video", "asset": video.pk}, {"role": "audio", "asset": audio.pk, "offset_ms": 120},
                            {"role": "transcript", "text": f"{TEXT} #{i}"}]} for i in range(3)]
    result = project_import(project=project, user=manager, records=records, uploads={})
    tasks = list(Task.objects.filter(pk__in=result["task_ids"]).order_by("item_id"))
    people = [annotator_a, annotator_b, annotator_c]
    labeled = Labeled(project=project, tasks=tasks, annotators=people, video=video, audio=audio)
    for task, (status, agreement) in zip(tasks[:2], [("gold", 0.9), ("review", 0.4)], strict=True):
        Task.objects.filter(pk=task.pk).update(status=status, agreement=agreement, submitted_count=3)
        for n, user in enumerate(people):
            Annotation.objects.create(task=task, annotator=user, kind="human", status="submitted",
                                      result={"regions": regions(n)})
        Prediction.objects.create(task=task, model="whisper", model_version="tiny-1",
                                  result={"regions": prediction_regions()})
    gold = [r for r in regions(0) if r["track"] != "speech"] + [
        {"id": "s1", "track": "speech", "label": "music", "start_ms": 200, "end_ms": 2500}]
    Annotation.objects.create(task=tasks[0], annotator=None, kind="gold", status="submitted", result={"regions": gold})
    labeled.gold_regions[tasks[0].pk] = gold
    # a draft is never exported
    Annotation.objects.create(task=tasks[2], annotator=annotator_a, kind="human", status="draft",
                              result={"regions": regions(5)})
    Prediction.objects.create(task=tasks[2], model="broken", model_version="0", error="CUDA out of memory")
    return labeled



@pytest.fixture
def start_export(client_for: Callable[[User], Any], manager: User, django_capture_on_commit_callbacks: Any,
                 eager: None) -> Callable[..., Any]:
    """POST an export as the manager with on-commit callbacks run (so the task runs inline)."""

    def start(project: Project, body: dict[str, Any], user: User | None = None) -> Any:
        client = client_for(user or manager)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"/api/projects/{project.pk}/exports/", body, format="json")

    return start
