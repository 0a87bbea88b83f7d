from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from media_gen import ffmpeg, write_wav

from datasets.media import MediaError, estimate_offset

RATE = 48000


def speechlike(seconds: float, seed: int) -> np.ndarray:
    """Noise with syllable-like bursts: irregular onsets every 80-400 ms."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    env = np.zeros(n)
    t = 0
    while t < n:
        length = int(rng.uniform(0.05, 0.3) * RATE)
        env[t : t + length] = rng.uniform(0.2, 1.0) * np.hanning(min(length, n - t))
        t += length + int(rng.uniform(0.03, 0.1) * RATE)
    return rng.standard_normal(n) * env


def test_a_240_ms_shift_is_found_within_five_milliseconds(tmp_path: Path) -> None:
    source = speechlike(20.0, seed=5)
    shift = int(0.240 * RATE)
    rng = np.random.default_rng(9)
    a = source + rng.standard_normal(source.size) * 0.01
    b = np.concatenate([np.zeros(shift), source[:-shift] * 0.5]) + rng.standard_normal(source.size) * 0.01
    wav_a = write_wav(tmp_path / "camera.wav", (np.clip(a, -1, 1) * 20000).astype(np.int16)[:, None], rate=RATE)
    wav_b = write_wav(tmp_path / "lapel.wav", (np.clip(b, -1, 1) * 20000).astype(np.int16)[:, None], rate=RATE)
    m4a_b = tmp_path / "lapel.m4a"
    ffmpeg("-i", str(wav_b), "-c:a", "aac", "-b:a", "96k", str(m4a_b))
    offset, confidence = estimate_offset(str(wav_a), str(m4a_b))
    assert abs(offset - 240.0) <= 5.0, offset
    assert confidence > 0.3
    back, _ = estimate_offset(str(m4a_b), str(wav_a))
    assert abs(back + 240.0) <= 5.0, back


def test_sync_needs_audio_in_both_files(tmp_path: Path) -> None:
    video = tmp_path / "silent.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=d=1:s=64x48:r=10", "-c:v", "libx264", "-preset", "ultrafast", str(video))
    audio = write_wav(tmp_path / "a.wav", np.zeros((RATE, 1), np.int16), rate=RATE)
    with pytest.raises(MediaError, match=r"^no audio stream found: the sync check needs audio in both files$"):
        estimate_offset(str(audio), str(video))
