"""Hard-cut detection on small frames, one frame at a time.

Score: the distance between joint colour histograms (8 levels per channel,
512 bins; the video pass uses Y, U, V straight from the decoder), half the L1 distance of the normalised histograms, so 0
means identical colour content and 1 means disjoint. Histograms ignore where
things are in the frame, which is what makes fast camera or object motion
score low; pixel differences (what a plain content detector uses) score
high there and report false cuts.

A frame starts a new shot when its distance to the last stable frame is

* above an absolute floor (``min_score``), and
* ``ratio`` times above the recent running level (adaptive threshold: noisy
  or busy footage raises the bar), and
* not a flash: if a frame within the next ``flash_frames`` frames looks like
  the frame before again, the jump was a flash (photo flash, lightning, a
  one-frame glitch) and no cut is reported; flash frames never become the
  reference.

A dissolve spreads the same total change over many frames, so each step stays
under the floor and no hard cut is reported for it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SHOTS_VERSION = "1"


def normalised_histogram(bins: np.ndarray, size: int = 512) -> np.ndarray:
    """Histogram of precomputed bin indices, summing to 1."""
    hist = np.bincount(bins.ravel(), minlength=size).astype(np.float32)
    hist /= max(1.0, float(hist.sum()))
    return hist


def histogram_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Half the L1 distance: 0 identical .. 1 disjoint."""
    return 0.5 * float(np.abs(a - b).sum())


@dataclass
class _Pending:
    index: int
    payload: Any
    hist: np.ndarray


@dataclass
class CutDetector:
    """Streaming hard-cut detector; decisions lag ``flash_frames`` frames.

    ``push`` a frame's histogram with an opaque payload; it returns the
    frames whose decision is now final as ``(payload, is_cut)`` in order.
    ``finish`` returns the rest.
    """

    min_score: float = 0.3
    ratio: float = 4.0
    window: int = 12
    flash_frames: int = 2
    min_shot_frames: int = 3
    _pending: deque[_Pending] = field(default_factory=deque)
    _ref: np.ndarray | None = None
    _recent: deque[float] = field(default_factory=deque)
    _count: int = 0
    _last_cut: int = -(10**9)

    def push(self, hist: np.ndarray, payload: Any) -> list[tuple[Any, bool]]:
        self._pending.append(_Pending(self._count, payload, hist))
        self._count += 1
        out: list[tuple[Any, bool]] = []
        while len(self._pending) > self.flash_frames:
            out.append(self._decide())
        return out

    def finish(self) -> list[tuple[Any, bool]]:
        out: list[tuple[Any, bool]] = []
        while self._pending:
            out.append(self._decide())
        return out

    def _decide(self) -> tuple[Any, bool]:
        cur = self._pending.popleft()
        if self._ref is None:
            self._ref = cur.hist
            return cur.payload, False
        score = histogram_distance(self._ref, cur.hist)
        level = (sum(self._recent) / len(self._recent)) if self._recent else 0.0
        candidate = score >= self.min_score and score >= self.ratio * level + 0.02
        if candidate:
            for ahead in self._pending:
                back = histogram_distance(self._ref, ahead.hist)
                if back < self.min_score and back < 0.5 * score:
                    return cur.payload, False  # a flash: keep the old reference
        is_cut = candidate and cur.index - self._last_cut >= self.min_shot_frames
        if is_cut:
            self._last_cut = cur.index
            self._recent.clear()
        else:
            self._recent.append(score)
            if len(self._recent) > self.window:
                self._recent.popleft()
        self._ref = cur.hist
        return cur.payload, is_cut
