"""Gather decoded audio frames in C so Python touches samples once per many frames.

An MP3 frame holds 1152 samples: three hours are 400,000 frames, and a few microseconds of
Python per frame (reading its planes, copying them) add up to seconds, a third of the decoding
itself. Consecutive frames of one planar float or int16 format are appended by FFmpeg's audio
FIFO instead, and handed on as one frame of about ``GATHER_SAMPLES`` samples.
"""

from __future__ import annotations

from typing import Any

import av

GATHER_SAMPLES = 65536
_GATHERED = ("fltp", "s16p")


class FrameGather:
    """Consecutive frames with the same planar sample format, rate and channel count, joined."""

    def __init__(self, channels: int) -> None:
        self.channels = channels
        self.fifo: Any = None
        self.fmt = ""
        self.rate = 0

    @property
    def samples(self) -> int:
        return int(self.fifo.samples) if self.fifo is not None else 0

    def take(self, frame: Any) -> bool:
        """Append the frame; False when it does not continue what is gathered (the caller reads
        what is gathered first, then handles the frame itself) or has a format not gathered."""
        fmt = frame.format.name
        if fmt not in _GATHERED or frame.layout.nb_channels != self.channels:
            return False
        if fmt != self.fmt or frame.sample_rate != self.rate:
            if self.samples:
                return False
            self.fifo, self.fmt, self.rate = av.AudioFifo(), fmt, frame.sample_rate
        frame.pts = None  # the FIFO checks timestamps are gap-free; a damaged packet skipped is not an error here
        self.fifo.write(frame)
        return True

    def read(self) -> Any:
        """Everything gathered, as one frame."""
        return self.fifo.read()
