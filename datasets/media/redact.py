"""What a redaction removes, on one stream's own timeline: boxes, sound segments, text spans.

A ``redact`` region is one of three shapes (docs/architecture.md, "Annotation result"): a box
track of ``keyframes`` on video, a ``start_ms``/``end_ms`` segment of sound, or a
``start_char``/``end_char`` span of text. Region times live on the item timeline; a plan holds
them on the stream's timeline (the stream's ``offset_ms`` taken off), which is what frame and
sample timestamps are measured on. The renderers in :mod:`datasets.media.redact_render` apply a
plan frame by frame; this module also masks text. Plain Python: no NumPy, no PyAV, so the web
process can check requests against it cheaply.

Box model (the editor's, CVAT's): a box track shows from its first keyframe to its last, with
its corners moving linearly between consecutive keyframes; a frame within half a frame period
of the first or last keyframe shows the box of that keyframe, so a single keyframe covers
exactly the frame it was drawn on.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: The character that replaces every character of a redacted span: one for one, so the offsets
#: of every other span, and the text's length, stay what they were.
MASK_CHAR = "\u2588"
#: What covers a box (a strong blur, or a black fill) and what replaces redacted sound.
BOX_MODES = ("blur", "fill")
SOUND_MODES = ("mute", "tone")

Box = tuple[float, float, float, float]  # x, y, w, h as fractions of the frame


@dataclass(frozen=True)
class Keyframe:
    """One keyframe of a box track, on the stream's timeline."""

    time_ms: int
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class BoxTrack:
    """A keyframed box, keyframes sorted by time."""

    keyframes: tuple[Keyframe, ...]

    @property
    def start_ms(self) -> int:
        return self.keyframes[0].time_ms

    @property
    def end_ms(self) -> int:
        return self.keyframes[-1].time_ms

    def at(self, t_ms: float, half_frame_ms: float) -> Box | None:
        """The box shown at ``t_ms``: interpolated between keyframes, None outside the track."""
        kfs = self.keyframes
        if t_ms < kfs[0].time_ms - half_frame_ms or t_ms > kfs[-1].time_ms + half_frame_ms:
            return None
        if t_ms <= kfs[0].time_ms:
            k = kfs[0]
            return k.x, k.y, k.w, k.h
        if t_ms >= kfs[-1].time_ms:
            k = kfs[-1]
            return k.x, k.y, k.w, k.h
        i = bisect.bisect_right([k.time_ms for k in kfs], t_ms)
        a, b = kfs[i - 1], kfs[i]
        f = (t_ms - a.time_ms) / (b.time_ms - a.time_ms)
        return (a.x + (b.x - a.x) * f, a.y + (b.y - a.y) * f, a.w + (b.w - a.w) * f, a.h + (b.h - a.h) * f)


@dataclass(frozen=True)
class RedactionPlan:
    """Everything to remove from one stream: boxes (video) and merged sound segments, in ms."""

    boxes: tuple[BoxTrack, ...] = ()
    segments: tuple[tuple[int, int], ...] = ()

    def boxes_at(self, t_ms: float, half_frame_ms: float) -> list[Box]:
        """The boxes shown on a frame presented at ``t_ms``."""
        out = []
        for track in self.boxes:
            if track.start_ms - half_frame_ms <= t_ms <= track.end_ms + half_frame_ms:
                box = track.at(t_ms, half_frame_ms)
                if box is not None:
                    out.append(box)
        return out


def merge_intervals(intervals: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sorted, non-overlapping intervals covering the same points (touching ones joined)."""
    merged: list[list[int]] = []
    for start, end in sorted((int(s), int(e)) for s, e in intervals if e > s):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((s, e) for s, e in merged)


def plan_from_regions(regions: Iterable[Mapping[str, Any]], offset_ms: int = 0) -> RedactionPlan:
    """The plan of one stream from its redaction regions (item timeline → stream timeline).

    Span regions are ignored here: they redact text (see :func:`mask_text`), not media.
    """
    boxes: list[BoxTrack] = []
    segments: list[tuple[int, int]] = []
    for region in regions:
        if region.get("keyframes"):
            kfs = sorted((Keyframe(int(k["time_ms"]) - offset_ms, float(k["x"]), float(k["y"]), float(k["w"]),
                                   float(k["h"])) for k in region["keyframes"]), key=lambda k: k.time_ms)
            boxes.append(BoxTrack(tuple(kfs)))
        elif "start_ms" in region and "end_ms" in region:
            segments.append((int(region["start_ms"]) - offset_ms, int(region["end_ms"]) - offset_ms))
    return RedactionPlan(tuple(boxes), merge_intervals(segments))


def mask_text(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with every character inside a span replaced by :data:`MASK_CHAR` (same length)."""
    chars = list(text)
    for start, end in merge_intervals(spans):
        lo, hi = max(0, start), min(len(chars), end)
        chars[lo:hi] = MASK_CHAR * max(0, hi - lo)
    return "".join(chars)


def mask_strings(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every occurrence of each of ``secrets``, in any case, masked character for character."""
    folded = text.casefold()
    spans = []
    for secret in secrets:
        needle = secret.casefold()
        if not needle or len(needle) != len(secret):  # a fold that changes length would shift offsets
            continue
        start = folded.find(needle)
        while start >= 0:
            spans.append((start, start + len(needle)))
            start = folded.find(needle, start + 1)
    return mask_text(text, spans) if spans and len(folded) == len(text) else text


def pixel_rect(box: Box, width: int, height: int) -> tuple[int, int, int, int]:
    """A fractional box as whole pixels ``(x0, y0, x1, y1)``, grown outward and clipped to the frame.

    Outward: a redaction must cover at least what was drawn, never a pixel less.
    """
    x, y, w, h = box
    x0 = max(0, math.floor(x * width))
    y0 = max(0, math.floor(y * height))
    x1 = min(width, math.ceil((x + w) * width))
    y1 = min(height, math.ceil((y + h) * height))
    return x0, y0, x1, y1
