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


@dataclass(frozen=True)
class _StreamInfo:
    """What the pass needs from the stream, read while its container is open."""

    rate: Any
    time_base: Fraction
    start_us: int
    width: int
    height: int
    duration_ms: int
    tile_w: int
    tile_h: int

    @classmethod
    def read(cls, container: Any, stream: Any, thumb_width: int) -> _StreamInfo:
        width = int(stream.codec_context.width or 0)
        height = int(stream.codec_context.height or 0)
        if width <= 0 or height <= 0:
            raise MediaError("unsupported format: video stream without a frame size")
        tw = max(2, thumb_width - thumb_width % 2)
        return cls(
            rate=stream.average_rate or stream.guessed_rate,
            time_base=Fraction(stream.time_base),
            start_us=int(container.start_time or 0),
            width=width,
            height=height,
            duration_ms=int(container.duration or 0) // 1000,
            tile_w=tw,
            tile_h=max(2, round(tw * height / width / 2) * 2),
        )


@dataclass
class _Shots:
    """Shots as the cut detector confirms them, each with a thumbnail written when it closes.

    A shot's thumbnail is its first frame at least 500 ms in, or its last frame when it is shorter.
    """

    out_dir: str
    tile_w: int
    tile_h: int
    shots: list[dict[str, Any]] = field(default_factory=list)
    cuts: list[tuple[int, int]] = field(default_factory=list)  # (frame number, ms)
    rep: np.ndarray | None = None
    start_frame: int = 0
    start_ms: int = 0
    prev: Any = None

    def consume(self, payload: tuple[int, int, Any], is_cut: bool) -> None:
        n, t_ms, frame = payload
        if n == 0:
            self.start_ms = t_ms
        if is_cut:
            self.close(t_ms, n)
            self.cuts.append((n, t_ms))
            self.rep, self.start_frame, self.start_ms = None, n, t_ms
        if self.rep is None and t_ms - self.start_ms >= 500:
            self.rep = thumbnail(frame, self.tile_w, self.tile_h)
        self.prev = frame

    def close(self, end_ms: int, end_frame: int) -> None:
        rep = self.rep
        if rep is None and self.prev is not None:
            rep = thumbnail(self.prev, self.tile_w, self.tile_h)
        name = f"shot_{len(self.shots):04d}.jpg"
        if rep is not None:
            _save_jpeg(rep, os.path.join(self.out_dir, name))
        self.shots.append(
            {
                "start_ms": self.start_ms,
                "end_ms": end_ms,
                "start_frame": self.start_frame,
                "end_frame": end_frame,
                "thumb": name if rep is not None else None,
            }
        )


@dataclass
class _Progress:
    """Reports whole-percent steps of the pass, short of 100 until the pass has finished."""

    report: Progress
    duration_ms: int
    last: float = -1.0

    def at(self, t_ms: int) -> None:
        if self.report is None or self.duration_ms <= 0:
            return
        pct = min(99.0, 100.0 * t_ms / self.duration_ms)
        if pct - self.last >= 1.0:
            self.report(pct)
            self.last = pct


class _VideoPass:
    """The single decode pass: packets give frame times and keyframes, frames feed tiles and cuts."""

    def __init__(self, info: _StreamInfo, out_dir: str, intervals_ms: Sequence[int], progress: Progress) -> None:
        self.info = info
        self.strips = [_Filmstrip(out_dir, int(iv), info.tile_w, info.tile_h) for iv in sorted(set(intervals_ms))]
        self.detector = CutDetector()
        self.shots = _Shots(out_dir, info.tile_w, info.tile_h)
        self.progress = _Progress(progress, info.duration_ms)
        self.frames_ms: list[int] = []
        self.keyframes_ms: list[int] = []
        self.n = 0

    def _ms(self, pts: int) -> int:
        return pts_to_ms(pts, self.info.time_base, self.info.start_us)

    def packet(self, packet: Any) -> None:
        if packet.pts is not None and packet.size and not getattr(packet, "is_discard", False):
            ms = self._ms(packet.pts)
            self.frames_ms.append(ms)
            if packet.is_keyframe:
                self.keyframes_ms.append(ms)

    def frame(self, frame: Any) -> None:
        if frame.pts is None:
            return
        t_ms = self._ms(frame.pts)
        tile: np.ndarray | None = None
        for strip in self.strips:
            while strip.due(t_ms):
                if tile is None:
                    tile = thumbnail(frame, self.info.tile_w, self.info.tile_h)
                strip.add(tile)
        for payload, is_cut in self.detector.push(yuv_histogram(frame), (self.n, t_ms, frame)):
            self.shots.consume(payload, is_cut)
        self.n += 1
        self.progress.at(t_ms)

    def run(self, container: Any, stream: Any) -> None:
        """Demux and decode the stream; skips undecodable packets, stops with an error on a broken file."""
        try:
            for packet in container.demux(stream):
                self.packet(packet)
                try:
                    for frame in packet.decode():
                        self.frame(frame)
                except av.error.InvalidDataError:
                    continue
        except av.error.FFmpegError as exc:
            raise MediaError(f"corrupt video (decoding stopped at frame {self.n}: {exc})") from exc
        for payload, is_cut in self.detector.finish():
            self.shots.consume(payload, is_cut)
        if self.n == 0:
            raise MediaError("zero duration: no video frame could be decoded")

    def finish(self) -> dict[str, Any]:
        """Close the last shot and the open sheets; the manifest (see `analyze_video`)."""
        self.frames_ms.sort()
        self.keyframes_ms.sort()
        end_ms = max(self.info.duration_ms, self.frames_ms[-1] if self.frames_ms else 0)
        self.shots.close(end_ms, self.n)
        for strip in self.strips:
            strip.flush()
        rate = self.info.rate
        return {
            "version": VIDEO_ANALYSIS_VERSION,
            "fps": round(float(rate), 3) if rate else None,
            "duration_ms": end_ms,
            "width": self.info.width,
            "height": self.info.height,
            "frames_ms": self.frames_ms,
            "keyframes_ms": self.keyframes_ms,
            "cuts_ms": [ms for _, ms in self.shots.cuts],
            "cut_frames": [n for n, _ in self.shots.cuts],
            "shots": self.shots.shots,
            "filmstrips": [s.manifest() for s in self.strips],
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
        run = _VideoPass(_StreamInfo.read(container, stream, thumb_width), out_dir, intervals_ms, progress)
        run.run(container, stream)
    finally:
        container.close()
    manifest = run.finish()
    if progress is not None:
        progress(100.0)
    return manifest
