"""Redaction benchmark: render a 720p video with a face track blurred vs. ffmpeg re-encoding it.

Generates (and caches under bench/out/) a 720p 25 fps H.264 video with a 48 kHz AAC tone, then
times, with the same codec settings (libx264 ``veryfast`` CRF 20, yuv420p; AAC 128 kb/s):

- ``ffmpeg``: ``ffmpeg -i in.mp4`` re-encoding video and sound, nothing else;
- ``redact``: :func:`datasets.media.redact_render.render_video` with one box track keyframed
  every second across the whole video (a 240x240 px box wandering over the frame, blurred on
  every frame) and a muted segment every 10 s.

The target is ``redact`` ≤ 1.5 × ``ffmpeg``. Both wall-clock and CPU seconds (user + system of
ffmpeg's process, of this process for the render) are reported: on a shared machine the CPU
ratio is the one other load does not skew. The default is 60 s so that a run stays short on a
small machine; ``--seconds 600`` is the 10-minute figure.

Run: .venv/bin/python bench/redact.py [--seconds 600] [--mode blur|fill]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
OUT = os.path.join(ROOT, "bench", "out")
W, H, FPS = 1280, 720, 25
PRESET, CRF = "veryfast", 20


def make_video(seconds: int) -> str:
    """A moving 720p picture (ffmpeg's testsrc2, light grain) and a 440 Hz tone, made once per length."""
    path = os.path.join(OUT, f"redact_{seconds}s.mp4")
    if not os.path.exists(path):
        os.makedirs(OUT, exist_ok=True)
        subprocess.run(["ffmpeg", "-nostdin", "-y", "-v", "error", "-f", "lavfi", "-i",
                        f"testsrc2=s={W}x{H}:r={FPS}:d={seconds},noise=alls=3:allf=t", "-f", "lavfi", "-i",
                        f"sine=f=440:r=48000:d={seconds}", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
                        "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path + ".tmp.mp4"], check=True)
        os.replace(path + ".tmp.mp4", path)
    return path


def face_track(seconds: int) -> list[dict[str, object]]:
    """One redact region: a 240 px box keyframed every second along a slow loop over the frame."""
    keyframes = []
    for t in range(seconds + 1):
        x = 0.5 + 0.3 * math.sin(t / 7)
        y = 0.45 + 0.2 * math.cos(t / 5)
        keyframes.append({"time_ms": t * 1000, "x": round(x - 0.094, 4), "y": round(y - 0.167, 4),
                          "w": 0.1875, "h": 0.3333})
    return [{"id": "f", "track": "redact", "label": "face", "keyframes": keyframes}] + [
        {"id": f"v{t}", "track": "redact", "label": "voice", "start_ms": t * 1000 + 2000, "end_ms": t * 1000 + 3000}
        for t in range(0, seconds - 3, 10)]


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--mode", choices=("blur", "fill"), default="blur")
    args = parser.parse_args()
    from datasets.media.redact import plan_from_regions
    from datasets.media.redact_render import RenderSettings, render_video

    src = make_video(args.seconds)
    with tempfile.TemporaryDirectory() as tmp:
        children = _cpu(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(["ffmpeg", "-nostdin", "-y", "-v", "error", "-i", src, "-map", "0:v:0", "-map", "0:a:0",
                        "-c:v", "libx264", "-preset", PRESET, "-crf", str(CRF), "-pix_fmt", "yuv420p", "-c:a", "aac",
                        "-b:a", "128k", os.path.join(tmp, "plain.mp4")], check=True)
        plain = time.perf_counter() - start
        plain_cpu = _cpu(resource.RUSAGE_CHILDREN) - children
        plan = plan_from_regions(face_track(args.seconds))
        own = _cpu(resource.RUSAGE_SELF)
        start = time.perf_counter()
        facts = render_video(src, os.path.join(tmp, "redacted.mp4"), plan,
                             RenderSettings(box_mode=args.mode, preset=PRESET, crf=CRF, audio_bitrate=128_000))
        redacted = time.perf_counter() - start
        redacted_cpu = _cpu(resource.RUSAGE_SELF) - own
    print(json.dumps({"seconds": args.seconds, "size": f"{W}x{H}", "fps": FPS, "mode": args.mode,
                      "codec": f"libx264 {PRESET} crf {CRF}, aac 128k", "cpus": os.cpu_count(),
                      "ffmpeg_reencode_s": round(plain, 2), "redact_s": round(redacted, 2),
                      "ratio": round(redacted / plain, 3), "ffmpeg_cpu_s": round(plain_cpu, 2),
                      "redact_cpu_s": round(redacted_cpu, 2), "cpu_ratio": round(redacted_cpu / plain_cpu, 3),
                      "frames": facts.frames,
                      "redacted_frames": facts.redacted_frames, "muted_samples": facts.redacted_samples}, indent=2))


if __name__ == "__main__":
    main()
