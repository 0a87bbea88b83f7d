"""Per-frame detections linked into box tracks, and tracks thinned into keyframes.

Linking is greedy by overlap: on each sampled frame, the pairs (open track, detection) are
taken in order of decreasing IoU while the IoU reaches ``min_iou``; a detection left over opens
a new track, and a track not matched for longer than ``max_gap_ms`` is closed. Keyframes are the
fewest samples whose linear interpolation (the editor's box model) stays within ``tolerance``
(a fraction of the frame) of every sample, found by recursive splitting at the worst sample.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

Box = tuple[float, float, float, float]  # x, y, w, h as fractions of the frame
Sample = tuple[int, Box]  # (time_ms, box)


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes (0 when they do not overlap)."""
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


@dataclass
class Track:
    """The samples of one object, in time order."""

    samples: list[Sample] = field(default_factory=list)

    @property
    def last(self) -> Sample:
        return self.samples[-1]


def link(frames: Iterable[tuple[int, Sequence[Box]]], *, min_iou: float = 0.3, max_gap_ms: int = 1000) -> list[Track]:
    """Tracks from ``(time_ms, detections)`` per sampled frame (frames in time order)."""
    open_tracks: list[Track] = []
    closed: list[Track] = []
    for time_ms, boxes in frames:
        still: list[Track] = []
        for track in open_tracks:
            (still if time_ms - track.last[0] <= max_gap_ms else closed).append(track)
        open_tracks = still
        pairs = sorted(((iou(t.last[1], b), ti, bi) for ti, t in enumerate(open_tracks) for bi, b in enumerate(boxes)),
                       reverse=True)
        used_tracks: set[int] = set()
        used_boxes: set[int] = set()
        for overlap, ti, bi in pairs:
            if overlap < min_iou:
                break
            if ti in used_tracks or bi in used_boxes:
                continue
            open_tracks[ti].samples.append((time_ms, boxes[bi]))
            used_tracks.add(ti)
            used_boxes.add(bi)
        open_tracks.extend(Track([(time_ms, b)]) for bi, b in enumerate(boxes) if bi not in used_boxes)
    return sorted(closed + open_tracks, key=lambda t: t.samples[0])  # by start, then position: stable output


def _lerp(a: Sample, b: Sample, t: int) -> Box:
    f = (t - a[0]) / (b[0] - a[0]) if b[0] != a[0] else 0.0
    return (a[1][0] + (b[1][0] - a[1][0]) * f, a[1][1] + (b[1][1] - a[1][1]) * f,
            a[1][2] + (b[1][2] - a[1][2]) * f, a[1][3] + (b[1][3] - a[1][3]) * f)


def keyframes(samples: Sequence[Sample], tolerance: float = 0.02) -> list[Sample]:
    """The fewest samples (first and last always) whose interpolation is within ``tolerance``."""
    if len(samples) <= 2:
        return list(samples)
    keep = {0, len(samples) - 1}
    stack = [(0, len(samples) - 1)]
    while stack:
        lo, hi = stack.pop()
        worst, at = 0.0, -1
        for i in range(lo + 1, hi):
            box = _lerp(samples[lo], samples[hi], samples[i][0])
            # the corners, not only the origin: a box that grows must be followed too
            err = max(abs(box[0] - samples[i][1][0]), abs(box[1] - samples[i][1][1]),
                      abs(box[0] + box[2] - samples[i][1][0] - samples[i][1][2]),
                      abs(box[1] + box[3] - samples[i][1][1] - samples[i][1][3]))
            if err > worst:
                worst, at = err, i
        if worst > tolerance:
            keep.add(at)
            stack.extend([(lo, at), (at, hi)])
    return [samples[i] for i in sorted(keep)]


def grow(box: Box, margin: float) -> Box:
    """``box`` grown by ``margin`` of its size on every side, clipped to the frame."""
    x, y, w, h = box
    x0, y0 = max(0.0, x - w * margin), max(0.0, y - h * margin)
    x1, y1 = min(1.0, x + w * (1 + margin)), min(1.0, y + h * (1 + margin))
    return x0, y0, x1 - x0, y1 - y0
