"""Two real recordings of the same speech, the second one late by a known delay.

The camera hears espeak-ng sentences separated by silences of different lengths (so only one
alignment fits) and stores them as H.264 + AAC; the lapel recorder started ``delay_ms`` later and
records through another chain (high-pass, lower gain, 16 kHz PCM), so the two files are never
bit-identical and share only the timing of the speech.
"""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path
from typing import Any

import numpy as np

# Each sentence opens on a voiced sound: VAD hears a soft opening fricative ("Sure") at a time
# that depends on the codec, which would measure the VAD rather than the sync.
SENTENCES = ("Good morning, thanks for stopping by.", "Could you tell us where the station is?",
             "Yes, it is two blocks down on the left.")
GAPS_MS = (700, 1500, 1100)  # silence before each sentence
TAIL_MS = 800


def _ffmpeg(*args: str) -> None:
    proc = subprocess.run(["ffmpeg", "-nostdin", "-y", "-v", "error", *args], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def _speak(text: str, path: Path) -> tuple[np.ndarray, int]:
    subprocess.run(["espeak-ng", "-s", "160", "-w", str(path), text], check=True, capture_output=True)
    with wave.open(str(path), "rb") as w:
        rate = w.getframerate()
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return samples, rate


def speech_file(folder: Path) -> Path:
    """The sentences with their silences, as one mono 16-bit WAV at espeak-ng's rate."""
    parts: list[np.ndarray] = []
    rate = 22050
    for i, (text, gap) in enumerate(zip(SENTENCES, GAPS_MS, strict=True)):
        samples, rate = _speak(text, folder / f"sentence-{i}.wav")
        parts += [np.zeros(rate * gap // 1000, np.int16), samples]
    parts.append(np.zeros(rate * TAIL_MS // 1000, np.int16))
    out = folder / "speech.wav"
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.concatenate(parts).tobytes())
    return out


def camera_and_lapel(folder: Path, delay_ms: int) -> tuple[Path, Path]:
    """``camera.mp4`` (test pattern + the speech) and ``lapel.wav`` (the speech ``delay_ms`` late)."""
    speech = speech_file(folder)
    camera, lapel = folder / "camera.mp4", folder / "lapel.wav"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-i", str(speech), "-map", "0:v", "-map", "1:a",
            "-shortest", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25",
            "-c:a", "aac", "-b:a", "96k", "-movflags", "+faststart", str(camera))
    _ffmpeg("-i", str(speech), "-af", f"adelay={delay_ms},highpass=f=150,volume=0.5", "-ar", "16000",
            "-ac", "1", str(lapel))
    return camera, lapel


def import_item(project: Any, user: Any, paths: list[Path]) -> Any:
    """Import the files as the streams of one item (roles = file stems), unprocessed; returns its task."""
    from annotation.models import Task
    from annotation.services.imports import project_import

    handles = {p.name: p.open("rb") for p in paths}
    try:
        records = [{"streams": [{"role": p.stem, "upload": p.name} for p in paths]}]
        result = project_import(project=project, user=user, records=records, uploads=handles)
    finally:
        for handle in handles.values():
            handle.close()
    return Task.objects.select_related("item").get(pk=result["task_ids"][0])
