"""Real frame timestamps from packet timestamps, by demuxing only.

The editor snaps video boundaries to real frames, which for variable frame
rate video cannot be computed from an fps. Every packet of the video stream
carries its presentation timestamp, so demuxing (no decoding) gives them all
at a fraction of the cost of a decode.

Timestamp rule (shared by every function here): a frame's time in integer
milliseconds is ``floor((pts * time_base - container_start) * 1000)``,
computed exactly with integers, where ``container_start`` is the container's
start time; times are therefore relative to the start of the file's
timeline (the item timeline origin), and audio and video stay aligned.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .errors import MediaError
from .pcm import open_av_container

FRAMES_VERSION = "1"


def pts_to_ms(pts: int, time_base: Fraction, start_us: int) -> int:
    """Apply the module's timestamp rule to one pts."""
    num = pts * time_base.numerator * 1_000_000 - start_us * time_base.denominator
    return (num * 1000) // (time_base.denominator * 1_000_000)


def video_stream(container: Any) -> Any:
    """The first real video stream (not cover art) or MediaError."""
    for s in container.streams.video:
        disp = getattr(s, "disposition", 0)
        try:
            if int(disp) & 0x400:  # AV_DISPOSITION_ATTACHED_PIC
                continue
        except TypeError:
            pass
        return s
    raise MediaError("no video stream found")


def frame_index(path: str) -> list[int]:
    """Presentation times (ms, ascending) of every video frame, demux only.

    Packets without a pts and packets flagged for discard (edit-list
    pre-roll) are not presented and are left out.
    """
    container = open_av_container(path)
    try:
        stream = video_stream(container)
        tb = Fraction(stream.time_base)
        start_us = int(container.start_time or 0)
        out: list[int] = []
        for packet in container.demux(stream):
            if packet.pts is None or packet.size == 0 or getattr(packet, "is_discard", False):
                continue
            out.append(pts_to_ms(packet.pts, tb, start_us))
    finally:
        container.close()
    if not out:
        raise MediaError("zero duration: the video stream has no frames")
    out.sort()
    return out
