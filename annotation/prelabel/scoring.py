"""Scoring suggestions against a reference: how good a pre-labeler is on known data.

Used by the benchmark and the tests; also fit for comparing a model's suggestions with gold.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def frame_mask(intervals: Sequence[tuple[int, int]], total_ms: int, step_ms: int = 10) -> np.ndarray:
    """Boolean mask with one entry per ``step_ms`` frame, true inside any ``[start, end)``."""
    mask = np.zeros(total_ms // step_ms + 1, dtype=bool)
    for start, end in intervals:
        mask[max(0, start) // step_ms : max(0, end) // step_ms] = True
    return mask


def frame_f1(truth: Sequence[tuple[int, int]], found: Sequence[tuple[int, int]], total_ms: int) -> float:
    """F1 over 10 ms frames: the usual VAD score, insensitive to how segments are split."""
    t, f = frame_mask(truth, total_ms), frame_mask(found, total_ms)
    tp = float(np.sum(t & f))
    if tp == 0.0:
        return 0.0
    precision, recall = tp / float(np.sum(f)), tp / float(np.sum(t))
    return 2 * precision * recall / (precision + recall)


def boundary_errors_ms(truth: Sequence[tuple[int, int]], found: Sequence[tuple[int, int]]) -> list[int]:
    """Absolute start and end errors of word ``i`` against word ``i`` (same word sequence)."""
    if len(truth) != len(found):
        raise ValueError(f"{len(found)} words found for {len(truth)} expected")
    errors: list[int] = []
    for (ts, te), (fs, fe) in zip(truth, found, strict=True):
        errors.extend([abs(ts - fs), abs(te - fe)])
    return errors
