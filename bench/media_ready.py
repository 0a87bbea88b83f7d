"""From upload complete to ready: a three-hour MP3 through the real media worker.

Generates (and caches under bench/out/) a three-hour mono 44.1 kHz 128 kbit/s MP3 (pink noise plus
a 330 Hz tone under a slow tremolo) and a 20-minute cut of it, then, each in a fresh process:

* ``ffmpeg -f null``: the C decoder alone, for reference;
* PyAV decode alone (demux, decode every frame in a Python loop, to a null sink): the yardstick the
  pipeline is held to;
* the worker's PCM reader alone (``open_pcm``: an FFmpeg filter graph decoding, converting to 16 bits
  and gathering chunks in C), every chunk thrown away: what decoding costs inside the pipeline;
* the pipeline: the upload stored as an asset (not timed), then ``process_asset`` called in-process
  as a Celery worker calls it, against a throwaway test database and local storage in a temporary
  folder, from "pending" to "ready": probe, perceptual hash, waveform pyramid.

Prints one table: wall and CPU seconds, peak RSS (the process's high-water mark, reset just before
the timed step, with the RSS at that moment: the step needs the difference), and the pipeline's
ratio to decode alone. ``--profile`` adds, on stderr, a cProfile of the three-hour pipeline (top
functions by own time), with decoding moved into the main thread so that cProfile sees it.

Run: .venv/bin/python bench/media_ready.py [--profile]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
OUT = os.path.join(ROOT, "bench", "out")
HOURS = 3
SHORT_S = 20 * 60


def _run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_mp3() -> tuple[str, str]:
    """The three-hour MP3 and its first 20 minutes (a stream copy), generated once."""
    long, short = os.path.join(OUT, "three_hours.mp3"), os.path.join(OUT, "twenty_minutes.mp3")
    seconds = HOURS * 3600
    if not os.path.exists(long):
        _run(["ffmpeg", "-nostdin", "-y", "-f", "lavfi", "-i", f"anoisesrc=d={seconds}:c=pink:r=44100:a=0.2",
              "-f", "lavfi", "-i", f"sine=f=330:r=44100:d={seconds}",
              "-filter_complex", "[0][1]amix=inputs=2:normalize=0,tremolo=f=0.3:d=0.7",
              "-ac", "1", "-c:a", "libmp3lame", "-b:a", "128k", long + ".tmp.mp3"])
        os.replace(long + ".tmp.mp3", long)
    if not os.path.exists(short):
        _run(["ffmpeg", "-nostdin", "-y", "-i", long, "-t", str(SHORT_S), "-c", "copy", short + ".tmp.mp3"])
        os.replace(short + ".tmp.mp3", short)
    return long, short


# --- measured in the child -------------------------------------------------------------------

def _reset_peak_rss() -> None:
    """Reset the process's RSS high-water mark (VmHWM) so it measures what follows only."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def _peak_rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _measure(fn: Any) -> dict[str, float]:
    _reset_peak_rss()
    start_rss = _peak_rss_mb()
    wall, cpu = time.perf_counter(), _cpu_s()
    fn()
    return {"wall": time.perf_counter() - wall, "cpu": _cpu_s() - cpu, "rss": _peak_rss_mb(), "rss0": start_rss}


def child_decode(path: str) -> dict[str, float]:
    """Decode every audio frame with PyAV, as the worker's reader does, and throw the samples away."""
    from datasets.media.pcm import open_av_container

    def decode() -> None:
        container = open_av_container(path)
        try:
            stream = container.streams.audio[0]
            for packet in container.demux(stream):
                for _frame in packet.decode():
                    pass
        finally:
            container.close()

    return _measure(decode)


def child_reader(path: str) -> dict[str, float]:
    """Read every chunk the waveform and the hash would be fed, and throw it away."""
    from datasets.media.pcm import open_pcm
    from datasets.media.waveform import DEFAULT_LEVELS, chunk_samples

    def read() -> None:
        _info, chunks = open_pcm(path, chunk_samples(DEFAULT_LEVELS))
        for _chunk in chunks:
            pass

    return _measure(read)


def child_pipeline(paths: list[str], profile: bool) -> list[dict[str, Any]]:
    """Store each file as an asset of a throwaway database, then time ``process_asset`` on it."""
    media_root = tempfile.mkdtemp(prefix="tandem-bench-media-")
    os.environ["MEDIA_ROOT"] = media_root
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    connection.settings_dict.setdefault("TEST", {})
    connection.settings_dict["TEST"]["NAME"] = f"test_{connection.settings_dict['NAME']}_media_bench"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    rows: list[dict[str, Any]] = []
    try:
        from django.contrib.auth.models import User

        from annotation.services.projects import project_create
        from datasets.services.assets import asset_create_from_file
        from datasets.tasks import process_asset

        user = User.objects.create_user("bench-manager")
        project = project_create(user=user, name="bench", schema={"tracks": [
            {"name": "speech", "kind": "segment", "labels": [{"value": "speech", "hotkey": "1"}]}]}, overlap=1)
        for path in paths:
            with open(path, "rb") as fh:
                asset = asset_create_from_file(dataset=project.dataset, fileobj=fh, name=os.path.basename(path),
                                               user=user, queue=False)
            result: list[str] = []
            profiler = None
            if profile and path == paths[-1]:
                import cProfile

                from datasets.media import pcm_fanout

                # cProfile sees one thread: decode in this one, so every cost is attributed.
                pcm_fanout.read_ahead = lambda chunks, depth=2, copy=True: iter(chunks)  # type: ignore[assignment]

                profiler = cProfile.Profile()
                profiler.enable()
            row: dict[str, Any] = _measure(lambda a=asset, r=result: r.append(process_asset(a.pk)))
            if profiler is not None:
                profiler.disable()
                import pstats

                stats = pstats.Stats(profiler, stream=sys.stderr)
                stats.sort_stats("tottime").print_stats(18)
                stats.sort_stats("cumulative").print_stats(25)
            asset.refresh_from_db()
            if result != ["ready"]:
                raise RuntimeError(f"asset ended {result} ({asset.error})")
            row.update(duration_ms=asset.duration_ms, perceptual_hash=asset.perceptual_hash)
            rows.append(row)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        import shutil

        shutil.rmtree(media_root, ignore_errors=True)
    return rows


# --- the parent ------------------------------------------------------------------------------

def _child(*args: str) -> Any:
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", *args], cwd=ROOT,
                          stdout=subprocess.PIPE, check=True)
    return json.loads(proc.stdout.decode().strip().splitlines()[-1])


def _ffmpeg_null(path: str) -> dict[str, float]:
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    _run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "null", "-"])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"wall": time.perf_counter() - t0, "cpu": cpu, "rss": after.ru_maxrss / 1024}


def main(profile: bool) -> None:
    os.makedirs(OUT, exist_ok=True)
    long, short = make_mp3()
    _ffmpeg_null(long)  # warm the page cache
    ff = _ffmpeg_null(long)
    decodes = [_child("decode", long)]
    short_decode = min((_child("decode", short) for _ in range(2)), key=lambda d: d["wall"])
    reader = _child("reader", long)
    short_run, long_run = _child("pipeline", "1" if profile else "0", short, long)
    decodes.append(_child("decode", long))
    decode = min(decodes, key=lambda d: d["wall"])

    def ratio(run: dict[str, float], alone: dict[str, float]) -> str:
        return f"{run['wall'] / alone['wall']:.2f} wall, {run['cpu'] / alone['cpu']:.2f} CPU"

    rows = [
        ("ffmpeg -f null, 3 h MP3 (C decoder alone)", ff, ""),
        ("PyAV decode alone, 3 h MP3 (best of 2)", decode, "1.00"),
        ("worker's PCM reader alone, 3 h MP3", reader, ratio(reader, decode)),
        ("PyAV decode alone, 20 min (best of 2)", short_decode, "1.00"),
        ("pipeline upload complete -> ready, 20 min", short_run, ratio(short_run, short_decode)),
        ("pipeline upload complete -> ready, 3 h", long_run, ratio(long_run, decode)),
    ]
    head = ("step", "wall s", "CPU s", "peak RSS MB (at start)", "ratio to decode")
    table = [head] + [(name, f"{r['wall']:.2f}", f"{r['cpu']:.2f}",
                       f"{r['rss']:.0f}" + (f" ({r['rss0']:.0f})" if "rss0" in r else ""), ratio)
                      for name, r, ratio in rows]
    widths = [max(len(r[i]) for r in table) for i in range(5)]
    print("| " + " | ".join(c.ljust(w) for c, w in zip(head, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in table[1:]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    runs = ", ".join(f"{d['wall']:.2f} s" for d in decodes)
    print(f"PyAV decode runs: {runs}; "
          f"3 h asset duration {long_run['duration_ms'] / 3.6e6:.2f} h, perceptual hash {long_run['perceptual_hash']}; "
          f"{os.cpu_count()} CPUs, load average at end {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        what, rest = sys.argv[2], sys.argv[3:]
        if what == "decode":
            print(json.dumps(child_decode(rest[0])))
        elif what == "reader":
            print(json.dumps(child_reader(rest[0])))
        else:
            print(json.dumps(child_pipeline(rest[1:], rest[0] == "1")))
    else:
        main("--profile" in sys.argv[1:])
