"""Faces to redact: box tracks from OpenCV's bundled Haar cascade, linked across frames.

Input item keys: ``video`` (a local path), optional ``offset_ms``. Options: ``track`` (a
``redact`` track), ``label`` (its reason, usually ``face``), ``samples_per_second`` (how often a
frame is searched, default 5), ``detect_width`` (frames are searched scaled to this width,
default 640), ``min_neighbors`` (the cascade's strictness, default 5), ``min_size`` (smallest
face as a fraction of the frame height, default 0.05), ``margin`` (how much each box is grown
on every side, default 0.15), ``min_samples`` (a track seen on fewer samples is dropped,
default 2), ``tolerance`` (keyframe thinning, default 0.02).

Each track becomes one redact region of keyframes (:mod:`annotation.prelabel.tracking`), held
one sampling period before its first and after its last detection so that the frames between
samples are covered too. The score is the share of the track's sampled frames with a face.
What it misses: faces in profile or turned away, very small or blurred faces, faces the cascade
confuses with texture; it is a first pass for an annotator to check, not a guarantee. The
cascade file ships inside ``opencv-python-headless``; nothing is downloaded. Runs on the CPU.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from typing import Any

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
from annotation.prelabel.tracking import Box, grow, keyframes, link
from datasets.media.frames import pts_to_ms, video_stream

name = "faces"
version = "haar-1"
needs: tuple[str, ...] = ("video",)
fills: tuple[str, ...] = ("redact",)
reads_video_file = True
CASCADE = "haarcascade_frontalface_default.xml"

#: Finds faces in one grayscale image (uint8 rows × columns): boxes as fractions of the image.
Detector = Callable[[Any], list[Box]]


def haar_detector(min_neighbors: int = 5, min_size: float = 0.05) -> Detector:
    """The bundled frontal-face cascade as a :data:`Detector` (loaded once per process)."""
    import cv2

    folder = str(cv2.data.haarcascades)  # type: ignore[attr-defined]  # cv2's stubs leave out its data package
    cascade = cached("haar-frontalface", "cpu", lambda: cv2.CascadeClassifier(folder + CASCADE))
    if cascade.empty():
        raise RuntimeError(f"OpenCV's {CASCADE} is missing from the installed package")

    def detect(gray: Any) -> list[Box]:
        height, width = gray.shape[:2]
        side = max(8, int(min_size * height))
        found = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=min_neighbors, minSize=(side, side))
        return [(float(x) / width, float(y) / height, float(w) / width, float(h) / height) for x, y, w, h in found]

    return detect


def sampled_frames(path: str, samples_per_second: float, detect_width: int) -> Iterator[tuple[int, Any]]:
    """``(time_ms, gray image)`` of about ``samples_per_second`` frames a second, in time order."""
    import av

    with av.open(path, metadata_errors="ignore") as container:
        stream = video_stream(container)
        stream.thread_type = "AUTO"
        tb = Fraction(stream.time_base)
        start_us = int(container.start_time or 0)
        period_ms = 1000.0 / samples_per_second
        next_ms = float("-inf")
        for frame in container.decode(stream):
            if frame.pts is None:
                continue
            t = pts_to_ms(frame.pts, tb, start_us)
            if t < next_ms:
                continue
            next_ms = t + period_ms - 0.5
            width = min(detect_width, frame.width)
            height = max(2, round(frame.height * width / frame.width))
            yield t, frame.reformat(width=width, height=height, format="gray").to_ndarray()


def face_regions(samples: Sequence[tuple[int, Any]] | Iterator[tuple[int, Any]], detect: Detector, *,
                 period_ms: int, duration_ms: int | None, margin: float = 0.15, min_samples: int = 2,
                 tolerance: float = 0.02) -> list[Region]:
    """Redact regions (``keyframes`` and ``score``, stream timeline) from sampled frames."""
    seen: list[int] = []

    def detections() -> Iterator[tuple[int, list[Box]]]:
        for t, image in samples:
            seen.append(t)
            yield t, [grow(b, margin) for b in detect(image)]

    tracks = link(detections(), max_gap_ms=2 * period_ms + 1)
    regions: list[Region] = []
    for track in tracks:
        if len(track.samples) < min_samples:
            continue
        first, last = track.samples[0], track.samples[-1]
        # hold the box one sampling period each side: the frames between samples may show the face too
        held = [(max(0, first[0] - period_ms), first[1]), *track.samples, (last[0] + period_ms, last[1])]
        if duration_ms is not None:
            held[-1] = (min(held[-1][0], duration_ms), held[-1][1])
        kept = keyframes(held, tolerance)
        span = [t for t in seen if first[0] <= t <= last[0]]
        regions.append({
            "keyframes": [{"time_ms": t, "x": round(b[0], 4), "y": round(b[1], 4), "w": round(b[2], 4),
                           "h": round(b[3], 4)} for t, b in _distinct(kept)],
            "score": round(len(track.samples) / max(1, len(span)), 3),
        })
    return regions


def _distinct(samples: list[tuple[int, Box]]) -> list[tuple[int, Box]]:
    """One keyframe per time (the later wins), as the editor keeps them."""
    out: dict[int, Box] = {}
    for t, b in samples:
        out[t] = b
    return sorted(out.items())


def run(batch: Sequence[Item], *, device: str, options: Options) -> list[ItemResult]:
    """Face box tracks for each item; ``device`` is unused (the cascade runs on the CPU)."""
    try:
        track = str(require_option(options, "track"))
        label = str(require_option(options, "label"))
        rate = float(options.get("samples_per_second", 5))
        if not 0 < rate <= 60:
            raise ValueError("option 'samples_per_second' must be in (0, 60]")
        detect = haar_detector(int(options.get("min_neighbors", 5)), float(options.get("min_size", 0.05)))
    except (ValueError, RuntimeError, ImportError) as exc:
        return [failed(exc) for _ in batch]
    detect_width = int(options.get("detect_width", 640))
    period_ms = round(1000 / rate)

    def one(item: Item) -> list[Region]:
        offset = offset_of(item)
        found = face_regions(sampled_frames(str(require_option(item, "video")), rate, detect_width), detect,
                             period_ms=period_ms, duration_ms=item.get("duration_ms"),
                             margin=float(options.get("margin", 0.15)), min_samples=int(options.get("min_samples", 2)),
                             tolerance=float(options.get("tolerance", 0.02)))
        for region in found:
            region.update(track=track, label=label)
            for kf in region["keyframes"]:
                kf["time_ms"] += offset
        return number_regions(name, found)

    return per_item(batch, one)
