"""Forced-alignment benchmark: how many words the ``align`` pre-labeler places, and how well.

Generates its own speech: every word is synthesised alone by espeak-ng (four voices, three
speeds), trimmed to where its sound starts and ends, and joined to the next with a known short
gap; sentences are 1-2.5 s apart. So every word boundary is known by construction. Each file
holds four sentences in one voice and speed. Prints one table, per voice: the share of words
the decoder aligned (the rest are estimated, never missing), the median and 90th percentile
word-boundary error, and, for comparison, the share a single search over the whole file
without dither placed (the method before alignment went per utterance).
Run: ``.venv/bin/python bench/align.py``.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from pydub import AudioSegment
from pydub.silence import detect_leading_silence

from annotation.prelabel import align
from annotation.prelabel.audio import read_audio
from annotation.prelabel.scoring import boundary_errors_ms

VOICES = ["en-us", "en", "en-gb-x-rp", "en+f3"]
SPEEDS = [140, 175, 210]
SENTENCES_PER_FILE = 4
SENTENCES = [
    "The weather today is bright and clear.",
    "Please send the report before noon.",
    "We will meet again next week.",
    "Every annotator reviews the timeline carefully.",
    "The train leaves the station at seven.",
    "A quiet room helps everyone focus on the work.",
    "She opened the window and looked outside.",
    "Bring me the yellow box from the kitchen.",
    "The small dog ran across the green field.",
    "We found the old map under a heavy stone.",
    "Turn left at the bridge and follow the river.",
    "My brother plays the piano every evening.",
    "Nobody knows where the road ends.",
    "The children sang a song about the sea.",
    "Our team finished the project on time.",
    "Write your name at the top of the page.",
]


def speak_word(word: str, voice: str, speed: int, path: Path) -> AudioSegment:
    """espeak-ng's rendering of one word, trimmed to where its sound starts and ends."""
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), word], check=True,
                   capture_output=True)
    clip = AudioSegment.from_wav(str(path)).set_frame_rate(22050)
    head = detect_leading_silence(clip, silence_threshold=-50.0)
    tail = detect_leading_silence(clip.reverse(), silence_threshold=-50.0)
    return clip[head : len(clip) - tail]


def compose(sentences: list[str], voice: str, speed: int, rng: random.Random, out: Path) -> list[tuple[int, int]]:
    """Write the sentences word by word; return every word's (start_ms, end_ms)."""
    audio = AudioSegment.silent(duration=rng.randint(500, 1500), frame_rate=22050)
    truth: list[tuple[int, int]] = []
    for n, sentence in enumerate(sentences):
        if n:
            audio += AudioSegment.silent(duration=rng.randint(1000, 2500), frame_rate=22050)
        for k, word in enumerate(re.sub(r"[^\w' ]", "", sentence).split()):
            if k:
                audio += AudioSegment.silent(duration=rng.randint(30, 120), frame_rate=22050)
            clip = speak_word(word, voice, speed, out.parent / f"{out.stem}-w.wav")
            truth.append((len(audio), len(audio) + len(clip)))
            audio += clip
    audio += AudioSegment.silent(duration=500, frame_rate=22050)
    audio.export(str(out), format="wav")
    return truth


def whole_file_placed(path: Path, text: str) -> int:
    """Words placed by one search over the whole file, undithered: the method before."""
    decoder = align._load()
    words = [align.normalise(t) for t in text.split() if align.normalise(t)]
    decoder.set_align_text(" ".join(words))
    pcm = (np.clip(read_audio(str(path)), -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
    decoder.start_utt()
    decoder.process_raw(pcm, no_search=False, full_utt=True)
    decoder.end_utt()
    found = [s for s in (decoder.seg() or []) if not s.word.startswith(("<", "[", "++"))]
    return len(words) if len(found) == len(words) else 0


def main() -> None:
    """Generate the files, align them in one batch, print the table."""
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        items: list[dict[str, str]] = []
        truths: list[list[tuple[int, int]]] = []
        voices: list[str] = []
        audio_ms = 0
        for voice in VOICES:
            for speed in SPEEDS:
                sentences = rng.sample(SENTENCES, SENTENCES_PER_FILE)
                path = root / f"{voice.replace('+', '_')}-{speed}.wav"
                truths.append(compose(sentences, voice, speed, rng, path))
                items.append({"audio": str(path), "text": " ".join(sentences)})
                voices.append(voice)
                audio_ms += len(AudioSegment.from_wav(str(path)))
        before = [whole_file_placed(Path(item["audio"]), item["text"]) for item in items]
        align.run(items[:1], device="cpu", options={"track": "words"})  # loads the models
        start = time.perf_counter()
        results = align.run(items, device="cpu", options={"track": "words"})
        elapsed = time.perf_counter() - start

    rows: list[tuple[str, int, int, float, float, float, float]] = []
    for voice in [*VOICES, "all"]:
        picked = [k for k, v in enumerate(voices) if voice in (v, "all")]
        errors: list[int] = []
        aligned = words = placed_before = 0
        for k in picked:
            result = results[k]
            if result.error is not None:
                raise SystemExit(f"{items[k]['audio']}: {result.error}")
            found = [(r["start_ms"], r["end_ms"]) for r in result.regions]
            errors.extend(boundary_errors_ms(truths[k], found))
            aligned += sum(r["method"] == "aligned" for r in result.regions)
            words += len(truths[k])
            placed_before += before[k]
        rows.append((voice, len(picked) * SENTENCES_PER_FILE, words, 100 * placed_before / words,
                     100 * aligned / words, float(np.median(errors)), float(np.percentile(errors, 90))))
    print("| voice | sentences | words | placed before (one search) | aligned | median error | p90 error |")
    print("|---|---|---|---|---|---|---|")
    for voice, sentences, words, before_pct, aligned_pct, median, p90 in rows:
        print(f"| {voice} | {sentences} | {words} | {before_pct:.1f} % | {aligned_pct:.1f} % | {median:.0f} ms "
              f"| {p90:.0f} ms |")
    print(f"\n{len(items)} files, {audio_ms / 1000:.0f} s of audio, speeds {SPEEDS} wpm: aligned in "
          f"{elapsed:.1f} s ({audio_ms / 1000 / elapsed:.0f}x real time, VAD included); every word gets a time.")


if __name__ == "__main__":
    main()
