"""Session fixtures: small real media files generated once per run."""

from __future__ import annotations

from pathlib import Path

import pytest
from media_gen import ffmpeg


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def av_clip(media_dir: Path) -> Path:
    """3 s of 320x240 25 fps H.264 + 44.1 kHz stereo AAC in a faststart MP4."""
    out = media_dir / "clip.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=d=3:s=320x240:r=25", "-f", "lavfi", "-i", "sine=f=440:d=3:r=44100",
           "-ac", "2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25", "-c:a", "aac",
           "-movflags", "+faststart", str(out))
    return out
