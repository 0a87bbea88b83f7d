"""Pre-labeler benchmark: speed (× real time) and accuracy of ``vad`` and ``align``.

Generates its own speech with espeak-ng, joined by pydub with silences of known length, so the
true speech intervals and word boundaries are known. Prints one table with CPU and CUDA columns
("n/a" where no GPU is visible). Run: ``.venv/bin/python bench/prelabel.py``.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydub import AudioSegment
from pydub.silence import detect_leading_silence

from annotation.prelabel import align, vad
from annotation.prelabel.device import cuda_available
from annotation.prelabel.scoring import boundary_errors_ms, frame_f1

SENTENCES = [
    "The weather today is bright and clear.",
    "Please send the report before noon.",
    "We will meet again next week.",
    "Every annotator reviews the timeline carefully.",
    "The train leaves the station at seven.",
    "A quiet room helps everyone focus on the work.",
    "She opened the window and looked outside.",
    "Numbers and names are hard to recognise.",
]
WORD_LINES = [
    "please open the window before the meeting starts",
    "the small dog ran across the green field",
    "we found the old map under a heavy stone",
    "turn left at the bridge and follow the river",
]


def speak(text: str, path: Path) -> AudioSegment:
    """espeak-ng's rendering of ``text`` with its leading and trailing silence trimmed."""
    subprocess.run(["espeak-ng", "-s", "160", "-w", str(path), text], check=True, capture_output=True)
    clip = AudioSegment.from_wav(str(path))
    head = detect_leading_silence(clip, silence_threshold=-50.0)
    tail = detect_leading_silence(clip.reverse(), silence_threshold=-50.0)
    return clip[head : len(clip) - tail]


def compose(parts: Sequence[str], gaps: Sequence[int], out: Path) -> tuple[list[tuple[int, int]], int]:
    """Write silence/part pairs then 500 ms of silence; return the parts' intervals and length."""
    audio = AudioSegment.silent(duration=0, frame_rate=22050)
    intervals: list[tuple[int, int]] = []
    for i, (text, gap) in enumerate(zip(parts, gaps, strict=True)):
        clip = speak(text, out.parent / f"{out.stem}-{i}.wav")
        audio += AudioSegment.silent(duration=gap, frame_rate=clip.frame_rate)
        intervals.append((len(audio), len(audio) + len(clip)))
        audio += clip
    audio += AudioSegment.silent(duration=500, frame_rate=audio.frame_rate)
    audio.export(str(out), format="wav")
    return intervals, len(audio)


def timed_vad(paths: list[Path], device: str) -> tuple[list, float]:
    """VAD over all files in one batch (after a warm-up that loads the model)."""
    options = {"track": "speech", "label": "speech", "batch_size": 16}
    vad.run([{"audio": str(paths[0])}], device=device, options=options)
    start = time.perf_counter()
    results = vad.run([{"audio": str(p)} for p in paths], device=device, options=options)
    return results, time.perf_counter() - start


def timed_align(items: list[dict[str, str]]) -> tuple[list, float]:
    """Alignment of every item (after a warm-up that loads the decoder)."""
    align.run(items[:1], device="cpu", options={"track": "words"})
    start = time.perf_counter()
    results = align.run(items, device="cpu", options={"track": "words"})
    return results, time.perf_counter() - start


def main() -> None:
    """Generate the inputs, run both pre-labelers, print the table."""
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        vad_files: list[Path] = []
        vad_truth: list[tuple[list[tuple[int, int]], int]] = []
        for n in range(8):
            parts = rng.sample(SENTENCES, 5)
            gaps = [rng.randint(300, 2500) for _ in parts]
            path = root / f"vad{n}.wav"
            vad_truth.append(compose(parts, gaps, path))
            vad_files.append(path)
        vad_seconds = sum(total for _, total in vad_truth) / 1000

        align_items: list[dict[str, str]] = []
        align_truth: list[list[tuple[int, int]]] = []
        align_ms = 0
        for n, line in enumerate(WORD_LINES):
            words = line.split()
            path = root / f"words{n}.wav"
            intervals, total = compose(words, [rng.randint(100, 400) for _ in words], path)
            align_items.append({"audio": str(path), "text": line})
            align_truth.append(intervals)
            align_ms += total
        align_seconds = align_ms / 1000

        devices = ["cpu", "cuda"] if cuda_available() else ["cpu"]
        cols: dict[str, dict[str, str]] = {d: {} for d in ("cpu", "cuda")}
        for device in devices:
            results, elapsed = timed_vad(vad_files, device)
            f1s = []
            for result, (truth, total) in zip(results, vad_truth, strict=True):
                found = [(r["start_ms"], r["end_ms"]) for r in result.regions]
                f1s.append(frame_f1(truth, found, total))
            cols[device]["vad_x"] = f"{vad_seconds / elapsed:.0f}x"
            cols[device]["vad_f1"] = f"{sum(f1s) / len(f1s):.3f}"
        results, elapsed = timed_align(align_items)
        errors: list[int] = []
        for result, truth in zip(results, align_truth, strict=True):
            if result.error is not None:
                raise SystemExit(f"alignment failed: {result.error}")
            errors.extend(boundary_errors_ms(truth, [(r["start_ms"], r["end_ms"]) for r in result.regions]))
        cols["cpu"]["align_x"] = f"{align_seconds / elapsed:.0f}x"
        cols["cpu"]["align_mae"] = f"{sum(errors) / len(errors):.1f}"
        cols["cpu"]["align_max"] = f"{max(errors)}"
        if "cuda" in devices:
            for key in ("align_x", "align_mae", "align_max"):
                cols["cuda"][key] = "cpu only"

    rows = [
        (f"vad throughput (x real time, {len(vad_files)} files, {vad_seconds:.0f} s)", "vad_x"),
        ("vad frame F1 vs known speech", "vad_f1"),
        (f"align throughput (x real time, {len(align_items)} files, {align_seconds:.0f} s)", "align_x"),
        (f"align mean abs word-boundary error (ms, {len(errors)} boundaries)", "align_mae"),
        ("align max word-boundary error (ms)", "align_max"),
    ]
    width = max(len(label) for label, _ in rows)
    print(f"| {'metric':<{width}} | {'cpu':>9} | {'cuda':>9} |")
    print(f"|{'-' * (width + 2)}|{'-' * 11}|{'-' * 11}|")
    for label, key in rows:
        print(f"| {label:<{width}} | {cols['cpu'].get(key, 'n/a'):>9} | {cols['cuda'].get(key, 'n/a'):>9} |")


if __name__ == "__main__":
    main()
