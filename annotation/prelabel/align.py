"""Forced alignment of an existing transcript to its audio, as word-timed transcript regions.

Uses PocketSphinx 5 in alignment mode (``Decoder.set_align_text``) with the US English acoustic
model and pronouncing dictionary shipped inside the ``pocketsphinx`` package.

Input item keys: ``audio`` (PyAV-readable path), ``text`` (the transcript), optional
``offset_ms``. Options: ``track`` (required, a transcript track), ``max_duration_s`` (1800).

What it can align:
- English speech whose words are in the CMU dictionary (about 130k words), case and
  punctuation ignored; the region text keeps the transcript's own spelling.
- Files of any container PyAV reads; audio is decoded and resampled in 10 s chunks and kept
  only as 16 kHz 16-bit PCM (115 MB per hour), because the decoder needs the whole utterance
  for cepstral mean normalisation: fed incrementally, its running estimate is wrong for the
  first seconds and misplaces early words.

What it cannot:
- Other languages (no acoustic model for them here).
- Words missing from the dictionary (names, numbers written as digits, rare words): they are
  left out of the acoustic search and get times interpolated between their aligned neighbours,
  with ``score`` 0.0; words the decoder measured get 1.0. PocketSphinx has no calibrated
  per-word confidence in alignment mode, so the score only says measured vs interpolated.
- Transcripts that do not match the audio: the search forces every word somewhere, so
  missing or extra speech distorts nearby times rather than being reported.
- Very long files: alignment is one utterance whose PCM and back-pointer table grow with
  duration; items longer than ``max_duration_s`` (default 30 min) are refused with an error as
  soon as decoding passes the limit (split them upstream, e.g. at VAD silences).
- No GPU path: ``device`` is ignored and alignment runs on the CPU.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from annotation.prelabel.audio import SAMPLE_RATE, iter_audio
from annotation.prelabel.base import (
    Item,
    ItemResult,
    Options,
    Region,
    failed,
    number_regions,
    offset_of,
    per_item,
    require_option,
)
from annotation.prelabel.models import cached

name = "align"
version = "pocketsphinx-5.1.1+1"
needs: tuple[str, ...] = ("audio", "text")
fills: tuple[str, ...] = ("transcript",)

FRAME_MS = 10  # PocketSphinx's default frame rate is 100 frames per second
_decoder_lock = threading.Lock()
_NOT_WORD = re.compile(r"[^a-z']+")


def _load() -> Any:
    import pocketsphinx

    # Wide beams: alignment explores one word sequence, so pruning buys little speed, and the
    # default beams lose the path on clean synthetic or studio speech with long pauses.
    return pocketsphinx.Decoder(
        samprate=SAMPLE_RATE, lm=None, loglevel="FATAL", beam=1e-100, wbeam=1e-80, pbeam=1e-100,
        fwdflat=False, bestpath=False,
    )


def normalise(token: str) -> str:
    """The dictionary spelling of one transcript token: lower case, letters and apostrophes."""
    return _NOT_WORD.sub("", token.lower()).strip("'")


def interpolate_gaps(
    spans: list[tuple[int, int] | None], total_ms: int
) -> list[tuple[int, int, bool]]:
    """Fill ``None`` (unaligned) word spans by sharing the gap between aligned neighbours.

    Returns ``(start_ms, end_ms, measured)`` per word. A run of k unaligned words between an
    aligned word ending at ``a`` and one starting at ``b`` splits ``[a, b]`` into k equal parts,
    which keeps the words in transcript order and inside the audio.
    """
    out: list[tuple[int, int, bool]] = []
    i = 0
    while i < len(spans):
        span = spans[i]
        if span is not None:
            out.append((span[0], span[1], True))
            i += 1
            continue
        j = i
        while j < len(spans) and spans[j] is None:
            j += 1
        left = out[-1][1] if out else 0
        right_span = spans[j] if j < len(spans) else None
        right = right_span[0] if right_span is not None else total_ms
        right = max(left, right)
        k = j - i
        for n in range(k):
            out.append((left + (right - left) * n // k, left + (right - left) * (n + 1) // k, False))
        i = j
    return out


def _align_one(item: Item, track: str, max_duration_s: float) -> list[Region]:
    path = str(require_option(item, "audio"))
    tokens = [t for t in str(require_option(item, "text")).split() if normalise(t)]
    decoder = cached(name, "cpu", _load)
    with _decoder_lock:
        words = [normalise(t) for t in tokens]
        known = [decoder.lookup_word(w) is not None for w in words]
        if not any(known):
            raise ValueError("no transcript word is in the English dictionary")
        decoder.set_align_text(" ".join(w for w, k in zip(words, known, strict=True) if k))
        limit = int(max_duration_s * SAMPLE_RATE)
        pcm = bytearray()
        for chunk in iter_audio(path):
            if len(pcm) // 2 + chunk.size > limit:
                raise ValueError(f"audio longer than max_duration_s={max_duration_s:g}")
            pcm += (np.clip(chunk, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
        samples = len(pcm) // 2
        decoder.start_utt()
        try:
            decoder.process_raw(bytes(pcm), no_search=False, full_utt=True)
        finally:
            decoder.end_utt()
        # seg() is None when the search found no path at all, not an empty list.
        segments = [s for s in (decoder.seg() or []) if not s.word.startswith(("<", "[", "++"))]
    if len(segments) != sum(known):
        raise RuntimeError("alignment failed: the decoder found no path through the transcript")
    aligned = iter(segments)
    spans: list[tuple[int, int] | None] = []
    for is_known in known:
        if is_known:
            seg = next(aligned)
            spans.append((seg.start_frame * FRAME_MS, (seg.end_frame + 1) * FRAME_MS))
        else:
            spans.append(None)
    total_ms = round(samples * 1000 / SAMPLE_RATE)
    offset = offset_of(item)
    regions: list[Region] = []
    for token, (start, end, measured) in zip(tokens, interpolate_gaps(spans, total_ms), strict=True):
        regions.append(
            {
                "track": track,
                "start_ms": offset + start,
                "end_ms": offset + min(end, total_ms),
                "text": token,
                "score": 1.0 if measured else 0.0,
            }
        )
    return number_regions(name, regions)


def run(batch: Sequence[Item], *, device: str, options: Options) -> list[ItemResult]:
    """Word regions for each item's transcript; items are aligned one after another on CPU."""
    try:
        track = str(require_option(options, "track"))
    except ValueError as exc:
        return [failed(exc) for _ in batch]
    max_duration_s = float(options.get("max_duration_s", 1800))
    return per_item(batch, lambda item: _align_one(item, track, max_duration_s))
