"""One decode pass over a video: shots, keyframes, frame times, thumbnails, filmstrips.

Decoding dominates the cost, so everything that needs pixels shares a single
pass, and the per-frame work is kept far below the decoder's: the cut
detector's histogram reads a point-sampled grid (about 160 columns) straight
out of the decoded YUV planes without any conversion, and only the few frames
that become thumbnails (one per filmstrip interval, one per shot) are scaled
(area filter, in YUV, then converted to RGB at thumbnail size, which is
several times cheaper than converting the full frame). Frame times and keyframe flags come from
the demuxed packets of the same pass. Sprite sheets are written as soon as
they fill, so memory holds at most one open sheet per density.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import av
import numpy as np
from PIL import Image

from .atomic import atomic_open
from .errors import MediaError
from .frames import pts_to_ms, video_stream
from .pcm import open_av_container
from .shots import CutDetector, normalised_histogram

VIDEO_ANALYSIS_VERSION = "1"
DEFAULT_INTERVALS_MS: tuple[int, ...] = (1000, 5000, 30000)
THUMB_WIDTH = 160
SPRITE_COLUMNS = 10
SPRITE_ROWS = 10
JPEG_QUALITY = 75

Progress = Callable[[float], None] | None


def _planes(frame: Any) -> list[np.ndarray]:
    out = []
    for plane in frame.planes[:3]:
        arr = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
        out.append(arr[:, : plane.width])
    return out


def yuv_histogram(frame: Any, grid_width: int = 160) -> np.ndarray:
    """512-bin joint YUV histogram (8 levels each) of a point-sampled grid.

    4:2:0 frames are read in place; other pixel formats are first scaled to
    a small 4:2:0 frame.
    """
    if frame.format.name in ("yuv420p", "yuvj420p"):
        step = max(2, (frame.width // grid_width) & ~1)
    else:
        h = max(2, round(2 * grid_width * frame.height / max(1, frame.width) / 2) * 2)
        frame = frame.reformat(width=2 * grid_width, height=h, format="yuv420p", interpolation="POINT")
        step = 2
    y, u, v = _planes(frame)
    y = y[::step, ::step]
    u = u[:: step // 2, :: step // 2]
    v = v[:: step // 2, :: step // 2]
    rows = min(y.shape[0], u.shape[0], v.shape[0])
    cols = min(y.shape[1], u.shape[1], v.shape[1])
    q = (y[:rows, :cols] >> 5).astype(np.uint16) << 6
    q |= (u[:rows, :cols] >> 5).astype(np.uint16) << 3
    q |= v[:rows, :cols] >> 5
    return normalised_histogram(q)


def thumbnail(frame: Any, width: int, height: int) -> np.ndarray:
    """Area-scaled RGB thumbnail (scaled in YUV first: much cheaper)."""
    small = frame.reformat(width=width, height=height, format="yuv420p", interpolation="AREA")
    return np.asarray(small.to_ndarray(format="rgb24"))


def _save_jpeg(img: np.ndarray, path: str) -> None:
    with atomic_open(path) as fh:
        Image.fromarray(img).save(fh, format="JPEG", quality=JPEG_QUALITY)


@dataclass
class _Filmstrip:
    """Tiles of one density, flushed one sheet at a time."""

    out_dir: str
    interval_ms: int
    tile_w: int
    tile_h: int
    count: int = 0
    sheet: np.ndarray | None = None
    sprites: list[str] = field(default_factory=list)

    def due(self, t_ms: int) -> bool:
        return t_ms >= self.count * self.interval_ms

    def add(self, tile: np.ndarray) -> None:
        per_sheet = SPRITE_COLUMNS * SPRITE_ROWS
        slot = self.count % per_sheet
        if self.sheet is None:
            self.sheet = np.zeros((SPRITE_ROWS * self.tile_h, SPRITE_COLUMNS * self.tile_w, 3), np.uint8)
        r, c = divmod(slot, SPRITE_COLUMNS)
        self.sheet[r * self.tile_h : (r + 1) * self.tile_h, c * self.tile_w : (c + 1) * self.tile_w] = tile
        self.count += 1
        if slot == per_sheet - 1:
            self.flush()

    def flush(self) -> None:
        if self.sheet is None:
            return
        used = self.count - len(self.sprites) * SPRITE_COLUMNS * SPRITE_ROWS
        rows = -(-used // SPRITE_COLUMNS)
        name = f"filmstrip_{self.interval_ms}ms_{len(self.sprites):04d}.jpg"
        _save_jpeg(self.sheet[: rows * self.tile_h], os.path.join(self.out_dir, name))
        self.sprites.append(name)
        self.sheet = None

    def manifest(self) -> dict[str, Any]:
        return {
            "interval_ms": self.interval_ms,
            "tile_width": self.tile_w,
            "tile_height": self.tile_h,
            "columns": SPRITE_COLUMNS,
            "rows": SPRITE_ROWS,
            "count": self.count,
            "sprites": list(self.sprites),
        }


def analyze_video(
    path: str,
    out_dir: str,
    progress: Progress = None,
    intervals_ms: Sequence[int] = DEFAULT_INTERVALS_MS,
    thumb_width: int = THUMB_WIDTH,
) -> dict[str, Any]:
    """Analyse the first video stream of ``path`` in one decode pass.

    Writes per-shot thumbnails (``shot_NNNN.jpg``) and filmstrip sheets
    (``filmstrip_<interval>ms_NNNN.jpg``; tiles row-major, ``columns`` x
    ``rows`` per sheet, the last sheet cropped to its used rows) into
    ``out_dir`` and returns the manifest::

        {"version", "fps", "duration_ms", "width", "height",
         "frames_ms": [...], "keyframes_ms": [...], "cuts_ms": [...],
         "shots": [{"start_ms", "end_ms", "start_frame", "end_frame", "thumb"}],
         "filmstrips": [{"interval_ms", "tile_width", "tile_height",
                         "columns", "rows", "count", "sprites": [...]}]}

    Frame numbers count decoded frames from 0 (``end_frame`` exclusive).
    Times follow :mod:`datasets.media.frames`' rule; a shot's ``end_ms`` is
    the next shot's start (the stream end for the last). Tile ``k`` of a
    density shows the first frame at or after ``k * interval_ms``.
    """
    os.makedirs(out_dir, exist_ok=True)
    container = open_av_container(path)
    try:
        stream = video_stream(container)
        stream.thread_type = "AUTO"
        # Read now: a stream's attributes are not valid once its container is closed.
        rate = stream.average_rate or stream.guessed_rate
        tb = Fraction(stream.time_base)
        start_us = int(container.start_time or 0)
        width = int(stream.codec_context.width or 0)
        height = int(stream.codec_context.height or 0)
        if width <= 0 or height <= 0:
            raise MediaError("unsupported format: video stream without a frame size")
        tw = max(2, thumb_width - thumb_width % 2)
        th = max(2, round(tw * height / width / 2) * 2)
        duration_ms = int(container.duration or 0) // 1000
        strips = [_Filmstrip(out_dir, int(iv), tw, th) for iv in sorted(set(intervals_ms))]
        detector = CutDetector()
        frames_ms: list[int] = []
        keyframes_ms: list[int] = []
        cuts: list[tuple[int, int]] = []  # (frame number, ms)
        shots: list[dict[str, Any]] = []
        state: dict[str, Any] = {"rep": None, "shot_start": 0, "prev": None, "n": 0}
        last_pct = -1.0

        def close_shot(end_ms: int, end_frame: int) -> None:
            rep = state["rep"]
            if rep is None and state["prev"] is not None:
                rep = thumbnail(state["prev"], tw, th)
            name = f"shot_{len(shots):04d}.jpg"
            if rep is not None:
                _save_jpeg(rep, os.path.join(out_dir, name))
            shots.append(
                {
                    "start_ms": state["shot_start_ms"],
                    "end_ms": end_ms,
                    "start_frame": state["shot_start"],
                    "end_frame": end_frame,
                    "thumb": name if rep is not None else None,
                }
            )

        def consume(payload: tuple[int, int, Any], is_cut: bool) -> None:
            n, t_ms, frame = payload
            if n == 0:
                state["shot_start_ms"] = t_ms
            if is_cut:
                close_shot(t_ms, n)
                cuts.append((n, t_ms))
                state.update(rep=None, shot_start=n, shot_start_ms=t_ms)
            if state["rep"] is None and t_ms - state["shot_start_ms"] >= 500:
                state["rep"] = thumbnail(frame, tw, th)
            state["prev"] = frame

        def handle(frame: Any) -> None:
            nonlocal last_pct
            if frame.pts is None:
                return
            t_ms = pts_to_ms(frame.pts, tb, start_us)
            tile: np.ndarray | None = None
            for strip in strips:
                while strip.due(t_ms):
                    if tile is None:
                        tile = thumbnail(frame, tw, th)
                    strip.add(tile)
            for payload, is_cut in detector.push(yuv_histogram(frame), (state["n"], t_ms, frame)):
                consume(payload, is_cut)
            state["n"] += 1
            if progress is not None and duration_ms > 0:
                pct = min(99.0, 100.0 * t_ms / duration_ms)
                if pct - last_pct >= 1.0:
                    progress(pct)
                    last_pct = pct

        try:
            for packet in container.demux(stream):
                if packet.pts is not None and packet.size and not getattr(packet, "is_discard", False):
                    ms = pts_to_ms(packet.pts, tb, start_us)
                    frames_ms.append(ms)
                    if packet.is_keyframe:
                        keyframes_ms.append(ms)
                try:
                    for frame in packet.decode():
                        handle(frame)
                except av.error.InvalidDataError:
                    continue
        except av.error.FFmpegError as exc:
            raise MediaError(f"corrupt video (decoding stopped at frame {state['n']}: {exc})") from exc
        for payload, is_cut in detector.finish():
            consume(payload, is_cut)
        if state["n"] == 0:
            raise MediaError("zero duration: no video frame could be decoded")
    finally:
        container.close()
    frames_ms.sort()
    keyframes_ms.sort()
    end_ms = max(duration_ms, frames_ms[-1] if frames_ms else 0)
    close_shot(end_ms, state["n"])
    for strip in strips:
        strip.flush()
    if progress is not None:
        progress(100.0)
    return {
        "version": VIDEO_ANALYSIS_VERSION,
        "fps": round(float(rate), 3) if rate else None,
        "duration_ms": end_ms,
        "width": width,
        "height": height,
        "frames_ms": frames_ms,
        "keyframes_ms": keyframes_ms,
        "cuts_ms": [ms for _, ms in cuts],
        "cut_frames": [n for n, _ in cuts],
        "shots": shots,
        "filmstrips": [s.manifest() for s in strips],
    }
