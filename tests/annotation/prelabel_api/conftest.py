"""Projects whose items carry real generated speech, processed by the media pipeline.

espeak-ng speaks each phrase to its own WAV; pydub trims the synthesiser's leading and trailing
silence and joins the clips with silences of known length, so the spoken intervals of the
composed file are known by construction. Assets are stored and processed exactly as an import
does (``process_asset`` called inline), so a task's stream is a ready asset with probe metadata.
"""

from __future__ import annotations

import io
import struct
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from pydub import AudioSegment
from pydub.silence import detect_leading_silence

from annotation.models import Project, Task
from annotation.services.imports import project_import
from annotation.services.projects import project_update
from datasets.services.assets import asset_create_from_file
from datasets.tasks import process_asset

SILENCE_DBFS = -50.0
PHRASES = ("Please open the window.", "Send the report before noon.")
GAPS_MS = (700, 1300)


def _speak(text: str, path: Path) -> AudioSegment:
    subprocess.run(["espeak-ng", "-s", "160", "-w", str(path), text], check=True, capture_output=True)
    clip = AudioSegment.from_wav(str(path))
    head = detect_leading_silence(clip, silence_threshold=SILENCE_DBFS)
    tail = detect_leading_silence(clip.reverse(), silence_threshold=SILENCE_DBFS)
    return clip[head : len(clip) - tail]


@pytest.fixture(scope="session")
def phrases() -> tuple[str, ...]:
    """What the generated speech says, phrase by phrase."""
    return PHRASES


@pytest.fixture(scope="session")
def speech(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, list[tuple[int, int]]]:
    """WAV bytes of two phrases after known silences, and each phrase's (start, end) in ms."""
    folder = tmp_path_factory.mktemp("prelabel-api-media")
    audio = AudioSegment.silent(duration=0, frame_rate=22050)
    intervals: list[tuple[int, int]] = []
    for i, (text, gap) in enumerate(zip(PHRASES, GAPS_MS, strict=True)):
        clip = _speak(text, folder / f"phrase-{i}.wav")
        audio += AudioSegment.silent(duration=gap, frame_rate=clip.frame_rate)
        start = len(audio)
        audio += clip
        intervals.append((start, len(audio)))
    audio += AudioSegment.silent(duration=500, frame_rate=audio.frame_rate)
    out = folder / "speech.wav"
    audio.export(str(out), format="wav")
    return out.read_bytes(), intervals


@pytest.fixture(scope="session")
def corrupt_wav() -> bytes:
    """A RIFF/WAVE header (so it is accepted as audio) over bytes no demuxer can read."""
    return b"RIFF" + struct.pack("<I", 1000) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + b"\xff" * 16 + b"garbage" * 50


@pytest.fixture
def add_items(manager: User) -> Callable[..., list[Task]]:
    """Import items whose ``mic`` stream is the given audio (processed now) plus a transcript stream.

    ``media``: ``(name, bytes, offset_ms)`` per item. Returns the tasks in item order.
    """

    def add(project: Project, media: Sequence[tuple[str, bytes, int]], text: str = " ".join(PHRASES)) -> list[Task]:
        records: list[dict[str, Any]] = []
        for name, data, offset in media:
            asset = asset_create_from_file(dataset=project.dataset, fileobj=io.BytesIO(data), name=name,
                                           user=manager, queue=False)
            process_asset(asset.pk)
            records.append({"external_id": name, "streams": [{"role": "mic", "asset": asset.pk, "offset_ms": offset},
                                                             {"role": "transcript", "text": text}]})
        result = project_import(project=project, user=manager, records=records, uploads={})
        return list(Task.objects.filter(pk__in=result["task_ids"]).order_by("id"))

    return add


@pytest.fixture
def map_prelabelers(manager: User) -> Callable[[Project, list[dict[str, Any]]], Project]:
    """Store a pre-labeler mapping on the project the way a PATCH does."""

    def set_mapping(project: Project, mapping: list[dict[str, Any]]) -> Project:
        return project_update(project=project, user=manager, data={"prelabelers": mapping})

    return set_mapping


@pytest.fixture(autouse=True)
def _eager(settings: Any, eager: None) -> None:
    """Celery tasks run inline when queued; batches of two so a run spans several batches."""
    settings.TANDEM_PRELABEL_BATCH = 2
