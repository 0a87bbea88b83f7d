"""Generated speech with known timing for the pre-labeler tests.

espeak-ng speaks each phrase or word to its own WAV; pydub trims the synthesiser's own leading
and trailing silence and joins the clips with silences of known length, so the exact speech
intervals (and word boundaries) of every composed file are known by construction.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from pydub import AudioSegment
from pydub.silence import detect_leading_silence

SILENCE_DBFS = -50.0


def speak(text: str, path: Path) -> AudioSegment:
    """espeak-ng's rendering of ``text``, trimmed to where the sound starts and ends."""
    subprocess.run(["espeak-ng", "-s", "160", "-w", str(path), text], check=True, capture_output=True)
    clip = AudioSegment.from_wav(str(path))
    head = detect_leading_silence(clip, silence_threshold=SILENCE_DBFS)
    tail = detect_leading_silence(clip.reverse(), silence_threshold=SILENCE_DBFS)
    return clip[head : len(clip) - tail]


def compose(
    parts: Sequence[str], gaps_ms: Sequence[int], out: Path, *, tail_ms: int = 500
) -> list[tuple[int, int]]:
    """Write ``gap0 part0 gap1 part1 ... tail`` to ``out``; return each part's (start, end) ms.

    ``gaps_ms[i]`` is the silence before part i.
    """
    audio = AudioSegment.silent(duration=0, frame_rate=22050)
    intervals: list[tuple[int, int]] = []
    for i, (text, gap) in enumerate(zip(parts, gaps_ms, strict=True)):
        clip = speak(text, out.parent / f"{out.stem}-{i}.wav")
        audio += AudioSegment.silent(duration=gap, frame_rate=clip.frame_rate)
        start = len(audio)
        audio += clip
        intervals.append((start, len(audio)))
    audio += AudioSegment.silent(duration=tail_ms, frame_rate=audio.frame_rate)
    audio.export(str(out), format="wav")
    return intervals


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory for the session's generated media."""
    return tmp_path_factory.mktemp("prelabel-media")


@pytest.fixture(scope="session")
def speech_with_gaps(media_dir: Path) -> tuple[Path, list[tuple[int, int]]]:
    """Three spoken sentences separated by long silences, and their true speech intervals."""
    out = media_dir / "speech.wav"
    sentences = [
        "The weather today is bright and clear.",
        "Please send the report before noon.",
        "We will meet again next week.",
    ]
    return out, compose(sentences, [700, 1500, 1200], out)


@pytest.fixture(scope="session")
def spaced_words(media_dir: Path) -> tuple[Path, list[str], list[tuple[int, int]]]:
    """Eight words each synthesised alone and joined with 200 ms gaps: every boundary is known."""
    words = ["please", "open", "the", "window", "before", "the", "meeting", "starts"]
    out = media_dir / "words.wav"
    return out, words, compose(words, [400] + [200] * (len(words) - 1), out)


@pytest.fixture(scope="session")
def corrupt_file(media_dir: Path) -> Path:
    """Bytes that no demuxer accepts, with an audio-like name."""
    path = media_dir / "corrupt.wav"
    path.write_bytes(b"RIFF\x00\x00\x00\x00garbage-not-a-wave-file" * 10)
    return path


# A video whose shots show known words, for the OCR pre-labeler.
FPS = 25
TITLED_SHOTS = [("WELCOME HOME", 50), ("", 50), ("BREAKING NEWS", 50)]  # (text on screen, frames)


def _frame(text: str, shade: int) -> np.ndarray:
    image = Image.new("RGB", (640, 360), (shade, shade, shade))
    if text:
        draw = ImageDraw.Draw(image)
        draw.rectangle((40, 130, 600, 230), fill=(255, 255, 255))
        draw.text((60, 150), text, fill=(0, 0, 0), font=ImageFont.load_default(size=56))
    return np.asarray(image)


@pytest.fixture(scope="module")
def titled_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ocr") / "titles.mp4"
    proc = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-y", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "640x360",
         "-r", str(FPS), "-i", "-", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)],
        stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for i, (text, frames) in enumerate(TITLED_SHOTS):
        frame = _frame(text, 40 + 60 * i).tobytes()
        for _ in range(frames):
            proc.stdin.write(frame)
    proc.stdin.close()
    assert proc.wait() == 0
    return path


def drawn_face(size: int, background: int) -> Image.Image:
    """A plain drawn face (oval, brows, eyes, nose, mouth) that OpenCV's frontal-face cascade finds."""
    s = size
    image = Image.new("L", (s, s), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse((0.15 * s, 0.05 * s, 0.85 * s, 0.95 * s), fill=200)
    draw.rectangle((0.25 * s, 0.30 * s, 0.45 * s, 0.34 * s), fill=50)
    draw.rectangle((0.55 * s, 0.30 * s, 0.75 * s, 0.34 * s), fill=50)
    draw.ellipse((0.28 * s, 0.38 * s, 0.42 * s, 0.46 * s), fill=30)
    draw.ellipse((0.58 * s, 0.38 * s, 0.72 * s, 0.46 * s), fill=30)
    draw.polygon([(0.5 * s, 0.45 * s), (0.44 * s, 0.62 * s), (0.56 * s, 0.62 * s)], fill=170)
    draw.ellipse((0.36 * s, 0.70 * s, 0.64 * s, 0.78 * s), fill=70)
    return image.filter(ImageFilter.GaussianBlur(s / 60))


#: The moving face of `face_video`: 25 fps, 2.4 s, a 100 px face at x = 20 + 2 px per frame, y = 40,
#: shown from frame 10 (400 ms) to frame 49 (1960 ms) on a 320x240 grey frame.
FACE_FRAMES = (10, 49)


def face_position(frame: int) -> tuple[int, int]:
    return 20 + 2 * frame, 40


@pytest.fixture(scope="module")
def face_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("faces") / "face.mp4"
    proc = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-y", "-v", "error", "-f", "rawvideo", "-pix_fmt", "gray", "-s", "320x240",
         "-r", str(FPS), "-i", "-", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)],
        stdin=subprocess.PIPE)
    assert proc.stdin is not None
    face = drawn_face(100, 90)
    for i in range(60):
        canvas = Image.new("L", (320, 240), 90)
        if FACE_FRAMES[0] <= i <= FACE_FRAMES[1]:
            canvas.paste(face, face_position(i))
        proc.stdin.write(canvas.tobytes())
    proc.stdin.close()
    assert proc.wait() == 0
    return path
