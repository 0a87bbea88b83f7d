"""Generators of small real media files with known content (shared by the media tests)."""

from __future__ import annotations

import subprocess
import wave
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

from datasets.media.frames import pts_to_ms


def ffmpeg(*args: str) -> None:
    """Run ffmpeg quietly; fail the test with its message on error."""
    proc = subprocess.run(["ffmpeg", "-nostdin", "-y", "-v", "error", *args], capture_output=True, text=True)
    if proc.returncode:
        raise AssertionError(proc.stderr)


def write_wav(path: Path, samples: np.ndarray, rate: int = 44100) -> Path:
    """Write ``int16[n, channels]`` samples as a PCM WAV."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(samples.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.ascontiguousarray(samples, dtype="<i2").tobytes())
    return path


def textured_scene(seed: int, width: int, height: int, pad: int = 0) -> np.ndarray:
    """A detailed scene with its own colour palette (``uint8[h, w + pad, 3]``)."""
    rng = np.random.default_rng(seed)
    low = (rng.random((4, 6, 3)) * 255).astype(np.uint8)
    img = np.asarray(Image.fromarray(low).resize((width + pad, height), Image.Resampling.BICUBIC), np.float32)
    tint = rng.random(3) * 1.5 + 0.2
    img = img * tint / tint.max()
    for _ in range(30):
        x, y = int(rng.integers(0, width + pad - 16)), int(rng.integers(0, height - 16))
        img[y : y + 16, x : x + 16] *= float(rng.uniform(0.4, 1.2))
    return np.clip(img, 0, 255).astype(np.uint8)


def encode_frames(path: Path, frames: Iterable[np.ndarray], width: int, height: int, fps: int = 25, gop: int = 250) -> Path:
    """Encode RGB frames to H.264 MP4 with ffmpeg (frame ``i`` at ``i / fps`` s)."""
    proc = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-y", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
         "-r", str(fps), "-i", "-", "-c:v", "libx264", "-preset", "ultrafast", "-g", str(gop), "-pix_fmt", "yuv420p",
         str(path)],
        stdin=subprocess.PIPE,
    )
    assert proc.stdin is not None
    for frame in frames:
        proc.stdin.write(np.ascontiguousarray(frame, dtype=np.uint8).tobytes())
    proc.stdin.close()
    assert proc.wait() == 0
    return path


def ffprobe_packets(path: Path) -> tuple[list[int], list[int]]:
    """(all frame times, key frame times) in ms by ffprobe, under our rounding rule."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=time_base:format=start_time",
         "-show_entries", "packet=pts,flags", "-of", "compact=p=0:nk=1", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    rows = [line.split("|") for line in out]
    tb = Fraction(next(r[0] for r in rows if len(r) == 1 and "/" in r[0]))
    start_us = round(Fraction(next(r[0] for r in rows if len(r) == 1 and "/" not in r[0])) * 1_000_000)
    packets = [(int(r[0]), r[1]) for r in rows if len(r) == 2 and r[0] != "N/A"]
    times = sorted(pts_to_ms(p, tb, start_us) for p, _ in packets)
    keys = sorted(pts_to_ms(p, tb, start_us) for p, flags in packets if flags.startswith("K"))
    return times, keys
