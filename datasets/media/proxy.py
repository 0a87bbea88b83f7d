"""Browser-playable proxies made by ffmpeg.

Transcoding is the one job where the ffmpeg command line is simply better
than driving encoders through PyAV: it handles filter graphs, muxer options
(``+faststart`` rewrites the file so the index comes first and playback can
start before the download ends) and reports progress on a pipe. The proxy
has a keyframe every second so the editor can seek to any frame quickly.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Callable
from typing import Any

from .atomic import temp_path_for
from .errors import MediaError

PROXY_VERSION = "1"
MAX_PROXY_SIDE = 1280

Progress = Callable[[float], None] | None


def needs_proxy(probe: dict[str, Any]) -> bool:
    """True when a probed audio/video file cannot be played by browsers as-is."""
    if probe.get("kind") not in ("audio", "video"):
        return False
    return not bool(probe.get("browser_playable"))


def proxy_extension(probe: dict[str, Any]) -> str:
    """``.mp4`` for video sources, ``.m4a`` for audio-only ones."""
    return ".mp4" if probe.get("kind") == "video" else ".m4a"


def _command(path: str, out: str, probe: dict[str, Any]) -> list[str]:
    streams = probe.get("streams", [])
    has_audio = any(s.get("type") == "audio" for s in streams)
    cmd = ["ffmpeg", "-nostdin", "-y", "-v", "error", "-nostats", "-progress", "pipe:1", "-i", path]
    if probe.get("kind") == "video":
        video = next(s for s in streams if s.get("type") == "video")
        fps = float(video.get("fps") or 25.0)
        side = f"min(1\\,{MAX_PROXY_SIDE}/max(iw\\,ih))"
        cmd += [
            "-map", "0:v:0",
            "-vf", f"scale=trunc({side}*iw/2)*2:trunc({side}*ih/2)*2,format=yuv420p",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-profile:v", "high",
            "-g", str(max(1, round(fps))), "-keyint_min", "1",
            "-force_key_frames", "expr:gte(t,n_forced*1)",
        ]
        if has_audio:
            cmd += ["-map", "0:a:0"]
    else:
        cmd += ["-map", "0:a:0", "-vn"]
    if has_audio:
        cmd += ["-c:a", "aac", "-b:a", "128k", "-ac", "2"]
    cmd += ["-movflags", "+faststart", "-f", "mp4", out]
    return cmd


def make_proxy(path: str, out_path: str, probe: dict[str, Any], progress: Progress = None) -> dict[str, Any]:
    """Transcode ``path`` to an H.264/AAC MP4 (or AAC ``.m4a`` for audio).

    ``probe`` is :func:`datasets.media.probe.probe`'s result for ``path``.
    Progress (0..100) comes from ffmpeg's ``-progress`` output. The file
    appears at ``out_path`` only when ffmpeg succeeded. Returns
    ``{"version", "file", "size"}``.
    """
    if probe.get("kind") not in ("audio", "video"):
        raise MediaError("no audio or video stream found")
    duration_us = max(1, int(probe.get("duration_ms") or 0) * 1000)
    tmp = temp_path_for(out_path)
    with tempfile.TemporaryFile() as errlog:
        proc = subprocess.Popen(_command(path, tmp, probe), stdout=subprocess.PIPE, stderr=errlog, text=True)
        assert proc.stdout is not None
        last = -1.0
        for line in proc.stdout:
            key, _, value = line.strip().partition("=")
            if key in ("out_time_us", "out_time_ms") and value.lstrip("-").isdigit() and progress is not None:
                pct = max(0.0, min(99.0, 100.0 * int(value) / duration_us))
                if pct - last >= 1.0:
                    progress(pct)
                    last = pct
        code = proc.wait()
        if code != 0:
            errlog.seek(0)
            lines = errlog.read().decode("utf-8", "replace").strip().splitlines()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise MediaError(f"transcoding failed: {lines[-1] if lines else 'ffmpeg exited with ' + str(code)}")
    os.replace(tmp, out_path)
    if progress is not None:
        progress(100.0)
    return {"version": PROXY_VERSION, "file": os.path.basename(out_path), "size": os.path.getsize(out_path)}
