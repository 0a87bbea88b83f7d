"""Forced alignment of an existing transcript to its audio, as word-timed transcript regions.

Uses PocketSphinx 5 in alignment mode (``Decoder.set_align_text``) with the US English acoustic
model and pronouncing dictionary shipped inside the ``pocketsphinx`` package, one utterance at
a time, with Silero VAD (shipped with ``silero-vad``) finding the utterances.

Input item keys: ``audio`` (PyAV-readable path), ``text`` (the transcript), optional
``offset_ms``. Options: ``track`` (required, a transcript track), ``max_duration_s`` (10800).

How, and why (the steps are in :mod:`annotation.prelabel.chunking`):

1. VAD finds the speech; pauses under 0.5 s join its segments into utterances of at most 30 s.
2. A dynamic programme gives each utterance its words, from the words' phone counts and the
   transcript's punctuation (a sentence end is where an utterance most likely ends).
3. Each utterance is aligned alone, with 200 ms of context on each side. One search over a
   whole file fails as a whole when any stretch does not fit, so per utterance a failure stays
   local, and only one utterance of PCM is held at a time.
4. When the decoder finds no path: the run of failed utterances is aligned again together with
   its neighbours (a word given to the wrong side of a pause), then each failed utterance split
   at its VAD pauses into smaller pieces; what still fails is estimated (below). The beams are
   already the widest that make sense from the first try, so widening them is no fallback.
5. Audio is dithered (Gaussian noise of one 16-bit step) before decoding: stretches of exact
   digital silence, common in edited and synthetic audio, make the cepstral features
   degenerate and the search then finds no path at all.

Every word gets a time, and says how it got it in ``method``:

- ``aligned`` (``score`` 1.0): placed by the decoder.
- ``interpolated`` (``score`` 0.0): not in the dictionary (names, digits, rare words); shares
  the gap between its aligned neighbours.
- ``estimated`` (``score`` 0.0): the decoder found no path for its utterance (the transcript
  does not say what was spoken there, noise, music), or VAD found no speech in the file at
  all; the words share the utterance's speech (the whole file when none was found) in
  proportion to their phone counts. PocketSphinx has no calibrated per-word confidence in
  alignment mode, so the score only says measured or not.

What it cannot:

- Other languages (no acoustic model for them here).
- Transcripts that do not match the audio within an utterance: the search forces every word
  somewhere, so a small mismatch distorts nearby times rather than being reported; a large
  one makes the utterance ``estimated``.
- Files longer than ``max_duration_s`` (default 3 h) are refused with an error. Memory does
  not grow with duration beyond a few MB per hour (VAD probabilities and the word split).
- No GPU path for the decoder; ``device`` only moves VAD.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
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
    require_option,
)
from annotation.prelabel.chunking import (
    Chunk,
    Span,
    break_cost,
    iter_spans,
    partition,
    speech_chunks,
    spread,
)
from annotation.prelabel.models import cached

name = "align"
version = "pocketsphinx-5.1.1+2"
needs: tuple[str, ...] = ("audio", "text")
fills: tuple[str, ...] = ("transcript",)

FRAME_MS = 10  # PocketSphinx's default frame rate is 100 frames per second
PAD_MS = 200  # context on each side of an utterance, never reaching into the next speech
MAX_WINDOW_MS = 60_000  # a failed run is retried with its neighbours up to this length
DITHER_LSB = 1.0
ALIGNED, INTERPOLATED, ESTIMATED = "aligned", "interpolated", "estimated"
VAD_OPTIONS: dict[str, Any] = {
    # Short words ("yes") must stay; Silero's 250 ms default would drop them.
    "threshold": 0.5, "min_speech_duration_ms": 120, "min_silence_duration_ms": 100, "speech_pad_ms": 30,
}

_decoder_lock = threading.Lock()
_NOT_WORD = re.compile(r"[^a-z']+")

Placed = tuple[int, int, str]


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
    spans: list[tuple[int, int] | None], total_ms: int, start_ms: int = 0
) -> list[tuple[int, int, bool]]:
    """Fill ``None`` (unaligned) word spans by sharing the gap between aligned neighbours.

    Returns ``(start_ms, end_ms, measured)`` per word. A run of k unaligned words between an
    aligned word ending at ``a`` and one starting at ``b`` splits ``[a, b]`` into k equal parts,
    which keeps the words in transcript order and inside ``[start_ms, total_ms]``.
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
        left = out[-1][1] if out else start_ms
        right_span = spans[j] if j < len(spans) else None
        right = right_span[0] if right_span is not None else total_ms
        right = max(left, right)
        k = j - i
        for n in range(k):
            out.append((left + (right - left) * n // k, left + (right - left) * (n + 1) // k, False))
        i = j
    return out


@dataclass(frozen=True)
class _Words:
    """The transcript as the aligner sees it."""

    tokens: list[str]  # as written, for the region text
    words: list[str]  # dictionary spelling
    known: list[bool]
    weights: list[float]  # phones, or a guess from the letters for unknown words


@dataclass(frozen=True)
class _Job:
    """Words ``[lo, hi)`` to align against the speech ``parts``."""

    lo: int
    hi: int
    parts: tuple[Span, ...]


def _transcript(text: str, decoder: Any) -> _Words:
    tokens = [t for t in text.split() if normalise(t)]
    if not tokens:
        raise ValueError("the transcript is empty: there are no words to align")
    words = [normalise(t) for t in tokens]
    prons = [decoder.lookup_word(w) for w in words]
    if all(p is None for p in prons):
        raise ValueError("no transcript word is in the English dictionary")
    weights = [float(len(p.split())) if p else max(1.0, 0.8 * len(w)) for p, w in zip(prons, words, strict=True)]
    return _Words(tokens, words, [p is not None for p in prons], weights)


def _pad(span: Span, starts: Sequence[int], ends: Sequence[int], total_ms: int) -> Span:
    """``span`` widened by up to PAD_MS, but at most halfway to the nearest other speech."""
    start, end = span
    k = bisect.bisect_right(ends, start)
    before = ends[k - 1] if k > 0 else None
    k = bisect.bisect_left(starts, end)
    after = starts[k] if k < len(starts) else None
    left = start - PAD_MS if before is None else max(start - PAD_MS, (before + start) // 2)
    right = end + PAD_MS if after is None else min(end + PAD_MS, (end + after) // 2)
    return max(0, left), min(total_ms, right)


def _decode(decoder: Any, samples: np.ndarray, words: list[str], seed: int) -> list[Span] | None:
    """Word spans (ms from the start of ``samples``) of ``words``, or None: no path found."""
    noise = np.random.default_rng(seed).normal(0.0, DITHER_LSB, samples.size)
    pcm = np.rint(np.clip(samples.astype(np.float64) * 32767.0 + noise, -32768, 32767)).astype("<i2")
    with _decoder_lock:
        decoder.set_align_text(" ".join(words))
        decoder.start_utt()
        try:
            decoder.process_raw(pcm.tobytes(), no_search=False, full_utt=True)
        finally:
            decoder.end_utt()
        # seg() is None when the search found no path at all, not an empty list.
        segments = [s for s in (decoder.seg() or []) if not s.word.startswith(("<", "[", "++"))]
    if len(segments) != len(words):
        return None
    return [(s.start_frame * FRAME_MS, (s.end_frame + 1) * FRAME_MS) for s in segments]


def _run_jobs(path: str, jobs: list[_Job], text: _Words, segments: Sequence[Span], total_ms: int,
              decoder: Any) -> list[list[Placed] | None]:
    """Align every job in one streaming pass over the file; None for a job without a path."""
    starts, ends = [s for s, _ in segments], [e for _, e in segments]
    padded = [_pad((job.parts[0][0], job.parts[-1][1]), starts, ends, total_ms) for job in jobs]
    order = sorted(range(len(jobs)), key=lambda k: padded[k])
    spans = [(padded[k][0] * SAMPLE_RATE // 1000, padded[k][1] * SAMPLE_RATE // 1000) for k in order]
    out: list[list[Placed] | None] = [None] * len(jobs)
    for k, samples in zip(order, iter_spans(iter_audio(path), spans), strict=True):
        job, (pad_start, _) = jobs[k], padded[k]
        known = [i for i in range(job.lo, job.hi) if text.known[i]]
        if not known:
            continue
        found = _decode(decoder, samples, [text.words[i] for i in known], seed=pad_start)
        if found is None:
            continue
        by_word = dict(zip(known, found, strict=True))
        spans_ms: list[Span | None] = [
            (pad_start + by_word[i][0], min(total_ms, pad_start + by_word[i][1])) if i in by_word else None
            for i in range(job.lo, job.hi)
        ]
        filled = interpolate_gaps(spans_ms, job.parts[-1][1], job.parts[0][0])
        out[k] = [(s, e, ALIGNED if measured else INTERPOLATED) for s, e, measured in filled]
    return out


def _place(placed: list[Placed | None], job: _Job, result: list[Placed] | None) -> bool:
    if result is None:
        return False
    placed[job.lo : job.hi] = result
    return True


def _windows(jobs: list[_Job], ok: list[bool]) -> list[_Job]:
    """Each run of failed jobs with one neighbour on each side, when short enough to retry."""
    windows: list[_Job] = []
    k = 0
    while k < len(jobs):
        if ok[k]:
            k += 1
            continue
        end = k
        while end + 1 < len(jobs) and not ok[end + 1]:
            end += 1
        first, last = max(0, k - 1), min(len(jobs) - 1, end + 1)
        parts = tuple(p for job in jobs[first : last + 1] for p in job.parts)
        if (first, last) != (k, end) and parts[-1][1] - parts[0][0] <= MAX_WINDOW_MS:
            windows.append(_Job(jobs[first].lo, jobs[last].hi, parts))
        k = end + 1
    return windows


def _pieces(job: _Job, text: _Words) -> list[_Job]:
    """A failed job split at its VAD pauses, its words shared out again over the pieces."""
    groups = partition(text.weights[job.lo : job.hi],
                       [break_cost(t) for t in text.tokens[job.lo : job.hi]],
                       [e - s for s, e in job.parts])
    return [_Job(job.lo + lo, job.lo + hi, (part,)) for (lo, hi), part in zip(groups, job.parts, strict=True)
            if hi > lo]


def _estimate(placed: list[Placed | None], job: _Job, text: _Words) -> None:
    for i, (s, e) in zip(range(job.lo, job.hi), spread(text.weights[job.lo : job.hi], job.parts), strict=True):
        if placed[i] is None:
            placed[i] = (s, e, ESTIMATED)


def align_words(path: str, text: _Words, segments: Sequence[Span], total_ms: int, decoder: Any) -> list[Placed]:
    """Times and method of every transcript word, given the file's VAD speech ``segments``."""
    n = len(text.tokens)
    placed: list[Placed | None] = [None] * n
    chunks: list[Chunk] = speech_chunks(segments)
    if not chunks:
        _estimate(placed, _Job(0, n, ((0, total_ms),)), text)
        return [p for p in placed if p is not None]
    groups = partition(text.weights, [break_cost(t) for t in text.tokens], [c.end_ms - c.start_ms for c in chunks])
    jobs = [_Job(lo, hi, c.parts) for (lo, hi), c in zip(groups, chunks, strict=True) if hi > lo]
    ok = [_place(placed, job, r) for job, r in zip(jobs, _run_jobs(path, jobs, text, segments, total_ms, decoder),
                                                   strict=True)]
    windows = _windows(jobs, ok)
    for window, result in zip(windows, _run_jobs(path, windows, text, segments, total_ms, decoder), strict=True):
        _place(placed, window, result)
    failed_jobs = [job for job in jobs if placed[job.lo] is None]
    pieces = [piece for job in failed_jobs if len(job.parts) > 1 for piece in _pieces(job, text)]
    for piece, result in zip(pieces, _run_jobs(path, pieces, text, segments, total_ms, decoder), strict=True):
        if not _place(placed, piece, result):
            _estimate(placed, piece, text)
    for job in failed_jobs:
        _estimate(placed, job, text)
    return [p for p in placed if p is not None]


def _speech(probs: list[float], n_samples: int) -> list[Span]:
    from silero_vad import get_speech_timestamps_from_probs

    stamps = get_speech_timestamps_from_probs(
        probs, sampling_rate=SAMPLE_RATE, audio_length_samples=n_samples, **VAD_OPTIONS
    )
    return [(int(s["start"]) * 1000 // SAMPLE_RATE, int(s["end"]) * 1000 // SAMPLE_RATE) for s in stamps]


@contextmanager
def _torch_threads(count: int) -> Iterator[None]:
    """Run torch on ``count`` CPU threads inside the block.

    Why: Silero steps through 32 ms frames, far too little work to share between threads; on
    a busy machine the threads' synchronisation made VAD of 15 s of audio take 34 s instead
    of 3 s. The previous setting is restored afterwards.
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _duration_s(path: str) -> float | None:
    """The container's stated duration, when it states one (read without decoding)."""
    import av

    with av.open(path) as container:
        return None if container.duration is None else container.duration / 1_000_000


def _align_one(item: Item, outcome: Any, track: str, max_duration_s: float) -> list[Region]:
    if isinstance(outcome, BaseException):
        raise outcome
    probs, n_samples = outcome
    if n_samples > max_duration_s * SAMPLE_RATE:
        raise ValueError(f"audio longer than max_duration_s={max_duration_s:g}")
    if n_samples == 0:
        raise ValueError(f"no audio samples decoded from {item.get('audio')}")
    decoder = cached(name, "cpu", _load)
    text = _transcript(str(item.get("text") or ""), decoder)
    total_ms = n_samples * 1000 // SAMPLE_RATE
    placed = align_words(str(item["audio"]), text, _speech(probs, n_samples), total_ms, decoder)
    offset = offset_of(item)
    regions: list[Region] = [
        {"track": track, "start_ms": offset + start, "end_ms": offset + end, "text": token,
         "score": 1.0 if method == ALIGNED else 0.0, "method": method}
        for token, (start, end, method) in zip(text.tokens, placed, strict=True)
    ]
    return number_regions(name, regions)


def _check(item: Item, max_duration_s: float) -> None:
    """Refuse before any decoding what can be refused from the item alone."""
    path = str(require_option(item, "audio"))
    if not any(normalise(t) for t in str(item.get("text") or "").split()):
        raise ValueError("the transcript is empty: there are no words to align")
    duration = _duration_s(path)
    if duration is not None and duration > max_duration_s:
        raise ValueError(f"audio longer than max_duration_s={max_duration_s:g}")


def run(batch: Sequence[Item], *, device: str, options: Options) -> list[ItemResult]:
    """Word regions for each item's transcript: VAD for the batch at once, then items in turn."""
    from annotation.prelabel.vad import speech_probabilities

    try:
        track = str(require_option(options, "track"))
    except ValueError as exc:
        return [failed(exc) for _ in batch]
    max_duration_s = float(options.get("max_duration_s", 10800))
    results: dict[int, ItemResult] = {}
    todo: list[int] = []
    for k, item in enumerate(batch):
        try:
            _check(item, max_duration_s)
            todo.append(k)
        except Exception as exc:  # belongs to this item
            results[k] = failed(exc)
    with _torch_threads(1):
        outcomes = speech_probabilities([batch[k] for k in todo], device) if todo else []
    for k, outcome in zip(todo, outcomes, strict=True):
        try:
            results[k] = ItemResult(regions=_align_one(batch[k], outcome, track, max_duration_s))
        except Exception as exc:  # any failure belongs to this item alone
            results[k] = failed(exc)
    return [results[k] for k in range(len(batch))]
