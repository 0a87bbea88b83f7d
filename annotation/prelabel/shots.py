"""Shot segments from the shot boundaries the media pipeline already computed.

Input item keys: ``boundaries_ms`` (cut times in ms on the video stream, any order),
``duration_ms`` (stream duration), optional ``offset_ms``. Options: ``track``, ``label``.
Each shot becomes one segment region ``[cut_i, cut_{i+1})`` covering the whole stream; the score
is 1.0 because the cuts are measured, not guessed, by the time they reach this step.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

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

name = "shots"
version = "1"
needs: tuple[str, ...] = ("video",)
fills: tuple[str, ...] = ("segment",)


def shot_intervals(boundaries_ms: Sequence[int], duration_ms: int) -> list[tuple[int, int]]:
    """Consecutive ``(start, end)`` shots covering ``[0, duration_ms]`` split at each cut.

    Cuts at 0 or at the end, and repeated cuts, add no empty shot; a cut outside the stream is
    an error because it means the boundaries belong to another file.
    """
    duration = int(duration_ms)
    if duration <= 0:
        raise ValueError(f"duration_ms must be positive, got {duration_ms!r}")
    cuts = sorted({int(b) for b in boundaries_ms})
    outside = [c for c in cuts if c < 0 or c > duration]
    if outside:
        raise ValueError(f"boundaries outside 0..{duration} ms: {outside}")
    edges = [0, *[c for c in cuts if 0 < c < duration], duration]
    return list(itertools.pairwise(edges))


def run(batch: Sequence[Item], *, device: str, options: Options) -> list[ItemResult]:
    """One segment per shot for each item; ``device`` is unused (no model)."""
    try:
        track = str(require_option(options, "track"))
        label = str(require_option(options, "label"))
    except ValueError as exc:
        return [failed(exc) for _ in batch]

    def one(item: Item) -> list[Region]:
        offset = offset_of(item)
        intervals = shot_intervals(item.get("boundaries_ms") or [], require_option(item, "duration_ms"))
        regions: list[Region] = [
            {"track": track, "label": label, "start_ms": offset + s, "end_ms": offset + e, "score": 1.0}
            for s, e in intervals
        ]
        return number_regions(name, regions)

    return per_item(batch, one)
