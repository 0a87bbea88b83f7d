from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from media_gen import ffmpeg, ffprobe_packets

from datasets.media import MediaError, analyze_video, frame_index


def test_variable_frame_rate_timestamps_are_the_real_ones(tmp_path: Path) -> None:
    times = [0, 40, 50, 120, 333, 334, 1000, 1017, 1500, 2999]
    out = tmp_path / "vfr.mp4"
    with av.open(str(out), "w") as container:
        stream = container.add_stream("libx264", rate=1000)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        for i, t in enumerate(times):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 20, np.uint8), format="rgb24")
            frame.pts, frame.time_base = t, Fraction(1, 1000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    assert frame_index(str(out)) == times


def test_constant_rate_timestamps_round_down_to_whole_milliseconds(tmp_path: Path) -> None:
    out = tmp_path / "ntsc.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=d=1:s=64x48:r=30000/1001", "-c:v", "libx264", "-preset", "ultrafast", str(out))
    assert frame_index(str(out)) == [i * 1001 // 30 for i in range(30)]


def test_keyframes_and_frame_times_equal_ffprobes(tmp_path: Path) -> None:
    out = tmp_path / "gop.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=d=4:s=96x64:r=25", "-c:v", "libx264", "-preset", "ultrafast", "-g", "12",
           "-bf", "2", str(out))
    manifest = analyze_video(str(out), str(tmp_path / "a"))
    times, keys = ffprobe_packets(out)
    assert manifest["frames_ms"] == times == frame_index(str(out))
    assert manifest["keyframes_ms"] == keys
    assert keys == [i * 480 for i in range(9)]


def test_the_frame_rate_is_reported_with_the_frame_index(tmp_path: Path) -> None:
    pal, ntsc = tmp_path / "pal.mp4", tmp_path / "ntsc.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=d=1:s=64x48:r=25", "-c:v", "libx264", "-preset", "ultrafast", str(pal))
    ffmpeg("-f", "lavfi", "-i", "testsrc=d=1:s=64x48:r=30000/1001", "-c:v", "libx264", "-preset", "ultrafast", str(ntsc))
    assert analyze_video(str(pal), str(tmp_path / "a"))["fps"] == 25.0
    assert analyze_video(str(ntsc), str(tmp_path / "b"))["fps"] == 29.97


def test_audio_file_has_no_frame_index(tmp_path: Path) -> None:
    out = tmp_path / "a.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac", str(out))
    with pytest.raises(MediaError, match=r"^no video stream found$"):
        frame_index(str(out))
