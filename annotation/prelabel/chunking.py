"""Cutting a forced alignment into utterances: speech chunks, words per chunk, estimated times.

Why: one decoder search over a whole file fails as a whole (one unmatched stretch and no word
gets a time), holds the whole file in memory, and slows down with duration. Aligning each
utterance on its own confines a failure to that utterance and keeps memory at one utterance.

The steps, all pure (plain numbers in, plain numbers out):

1. :func:`speech_chunks` joins voice-activity segments separated by short pauses into chunks
   (utterances), split again at their longest pauses when longer than a cap.
2. :func:`partition` decides which transcript words each chunk holds. Words are given an
   expected duration (phone count × the file's speaking rate, so expectations sum to the
   speech time) and a cost for ending a chunk after them (nothing after a sentence end, a
   little after a clause mark, more inside a clause). A dynamic programme picks the
   contiguous split that minimises, over chunks, the squared relative difference between a
   chunk's duration and its words' expected duration, plus those break costs. A chunk may
   hold no word (a cough, music) at the price of its own duration.
3. Chunks the decoder cannot align get times from :func:`spread`: each word takes a share of
   the chunk's speech (pauses skipped) proportional to its expected duration.

:func:`iter_spans` cuts time spans out of a stream of audio blocks, so a file is read once per
pass with only the current spans in memory.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

Span = tuple[int, int]

SENTENCE_END = ".!?…"
CLAUSE_MARK = ",;:—–-\"')"
BREAK_COST_SENTENCE = 0.0  # ending a chunk after a sentence is what speakers do
BREAK_COST_CLAUSE = 1.0
BREAK_COST_WORD = 4.0  # a pause inside a clause happens, but needs durations to agree
SLACK_S = 120.0
SLACK_SHARE = 0.2


@dataclass(frozen=True)
class Chunk:
    """One utterance: ``[start_ms, end_ms)`` covering the speech segments ``parts``."""

    start_ms: int
    end_ms: int
    parts: tuple[Span, ...]


def _split_long(parts: list[Span], max_chunk_ms: int) -> list[list[Span]]:
    """Split a run of segments at its longest pause until each piece fits ``max_chunk_ms``.

    A single segment longer than the cap (speech or music without a pause) is cut into equal
    pieces: the decoder then fails on a word cut in two at worst, and that piece is estimated.
    """
    if parts[-1][1] - parts[0][0] <= max_chunk_ms:
        return [parts]
    if len(parts) == 1:
        start, end = parts[0]
        n = math.ceil((end - start) / max_chunk_ms)
        edges = [start + (end - start) * k // n for k in range(n + 1)]
        return [[(edges[k], edges[k + 1])] for k in range(n)]
    gaps = [parts[k + 1][0] - parts[k][1] for k in range(len(parts) - 1)]
    cut = int(np.argmax(gaps)) + 1
    return _split_long(parts[:cut], max_chunk_ms) + _split_long(parts[cut:], max_chunk_ms)


def speech_chunks(
    segments: Sequence[Span], *, join_gap_ms: int = 500, max_chunk_ms: int = 30_000
) -> list[Chunk]:
    """Group sorted speech ``segments`` into chunks: a pause shorter than ``join_gap_ms`` joins."""
    runs: list[list[Span]] = []
    for start, end in segments:
        if end <= start:
            continue
        if runs and start - runs[-1][-1][1] < join_gap_ms:
            runs[-1].append((start, end))
        else:
            runs.append([(start, end)])
    chunks: list[Chunk] = []
    for run in runs:
        for piece in _split_long(run, max_chunk_ms):
            chunks.append(Chunk(piece[0][0], piece[-1][1], tuple(piece)))
    return chunks


def break_cost(token: str) -> float:
    """The cost of a chunk ending right after ``token``, from its trailing punctuation."""
    tail = token.rstrip("\"')]»”’")
    if tail and tail[-1] in SENTENCE_END:
        return BREAK_COST_SENTENCE
    if token and token[-1] in CLAUSE_MARK:
        return BREAK_COST_CLAUSE
    return BREAK_COST_WORD


def _chunk_cost(duration_s: float, expected_s: np.ndarray) -> np.ndarray:
    # A z-score whose tolerance grows with length: speaking rate varies by ~15 % between
    # utterances, and 0.3 s covers a short word either way.
    sigma = 0.15 * np.maximum(duration_s, expected_s) + 0.3
    z = (duration_s - expected_s) / sigma
    cost: np.ndarray = z * z
    return cost


def partition(weights: Sequence[float], breaks: Sequence[float], durations_ms: Sequence[float]) -> list[Span]:
    """Split words ``0..n`` into contiguous ``[lo, hi)`` groups, one per chunk, in order.

    ``weights[i]`` is word i's relative expected duration (phones), ``breaks[i]`` the cost of a
    chunk ending after word i, ``durations_ms[j]`` chunk j's length. Weights are scaled so that
    the words fill the chunks exactly (the file's own speaking rate).

    Bounds, so that an hour costs seconds and megabytes: a chunk takes at most the words
    expected to last three times its length plus 2 s, and after chunk j only word positions
    expected within ``SLACK_S + SLACK_SHARE × (time to the nearer end)`` of chunk j's end are
    kept (speaking rate drifts, but not by a fifth over any stretch). Back-pointers are kept
    for that band only. When no split fits those bounds, words go by position alone.
    """
    n, m = len(weights), len(durations_ms)
    if n == 0 or m == 0:
        raise ValueError("partition needs at least one word and one chunk")
    cum = np.concatenate([[0.0], np.cumsum(np.asarray(weights, dtype=np.float64))])
    ends = np.cumsum(np.asarray(durations_ms, dtype=np.float64)) / 1000.0
    total = float(ends[-1])
    cum = cum * (total / float(cum[-1])) if cum[-1] > 0 else np.linspace(0.0, total, n + 1)
    brk = np.asarray(breaks, dtype=np.float64).copy()
    brk[n - 1 :] = 0.0  # the transcript's end is no break
    best = np.full(n + 1, np.inf)
    best[0] = 0.0
    back: list[tuple[int, np.ndarray]] = []
    for j, duration_ms in enumerate(durations_ms):
        duration = float(duration_ms) / 1000.0
        slack = SLACK_S + SLACK_SHARE * min(float(ends[j]), total - float(ends[j]))
        a = int(np.searchsorted(cum, ends[j] - slack, side="left"))
        b = n if j == m - 1 else int(np.searchsorted(cum, ends[j] + slack, side="right")) - 1
        a, b = min(a, n), max(min(b, n), a)
        firsts = np.searchsorted(cum[: b + 1], cum[a : b + 1] - (3.0 * duration + 2.0), side="left")
        widest = int(np.max(np.arange(a, b + 1) - firsts))
        cur = np.full(n + 1, np.inf)
        cur[a : b + 1] = best[a : b + 1] + _chunk_cost(duration, np.zeros(1))  # a group of no words
        arg = np.zeros(b - a + 1, dtype=np.int16 if widest < 32768 else np.int32)
        for g in range(1, widest + 1):
            lo = max(a, g)
            if lo > b:
                break
            cand = best[lo - g : b + 1 - g] + _chunk_cost(duration, cum[lo : b + 1] - cum[lo - g : b + 1 - g])
            cand += brk[lo - 1 : b]
            better = cand < cur[lo : b + 1]
            cur[lo : b + 1][better] = cand[better]
            arg[lo - a :][better] = g
        back.append((a, arg))
        best = cur
    if not math.isfinite(float(best[n])):
        return _proportional(cum, ends)
    groups: list[Span] = []
    hi = n
    for a, arg in reversed(back):
        lo = hi - int(arg[hi - a])
        groups.append((lo, hi))
        hi = lo
    groups.reverse()
    return groups


def _proportional(cum: np.ndarray, edges: np.ndarray) -> list[Span]:
    """Words to chunks by position alone: each word goes where its expected midpoint falls."""
    mids = (cum[:-1] + cum[1:]) / 2
    his = [int(h) for h in np.searchsorted(mids, edges, side="left")]
    his[-1] = len(mids)
    return list(zip([0, *his[:-1]], his, strict=True))


def spread(weights: Sequence[float], parts: Sequence[Span]) -> list[Span]:
    """Place words one after another over the speech ``parts``, each by its share of ``weights``.

    Positions are computed on speech time (pauses removed) and mapped back, so no word is put
    in a pause unless it straddles one. Returns integer ``(start_ms, end_ms)`` per word.
    """
    lengths = [e - s for s, e in parts]
    speech = sum(lengths)
    total = float(sum(weights)) or 1.0
    cum = np.concatenate([[0.0], np.cumsum(np.asarray(weights, dtype=np.float64))]) / total * speech

    def at(t: float, *, end: bool) -> int:
        for (s, _), length in zip(parts, lengths, strict=True):
            if t < length or (end and t <= length):
                return s + round(t)
            t -= length
        return parts[-1][1]

    return [(at(float(cum[i]), end=False), at(float(cum[i + 1]), end=True)) for i in range(len(weights))]


def iter_spans(blocks: Iterable[np.ndarray], spans: Sequence[Span]) -> Iterator[np.ndarray]:
    """The samples of each ``[start, end)`` span (in samples, sorted by start) from ``blocks``.

    Spans may overlap. Only samples from the earliest unfinished span on are kept, so memory
    is one span plus one block. A span running past the audio is cut at its end.
    """
    buf = np.zeros(0, dtype=np.float32)
    base = 0  # sample index of buf[0]
    k = 0
    for block in blocks:
        if k == len(spans):
            break
        buf = np.concatenate([buf, block.astype(np.float32, copy=False)])
        while k < len(spans) and spans[k][1] <= base + buf.size:
            start, end = spans[k]
            yield buf[max(0, start - base) : end - base].copy()
            k += 1
        keep_from = spans[k][0] if k < len(spans) else base + buf.size
        cut = min(max(0, keep_from - base), buf.size)
        buf = buf[cut:]
        base += cut
    for start, end in spans[k:]:
        yield buf[max(0, start - base) : max(0, end - base)].copy()

