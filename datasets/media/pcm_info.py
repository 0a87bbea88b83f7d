"""What a PCM reader knows of a stream, and its end-of-stream check, shared by the readers."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import MediaError


@dataclass
class PcmInfo:
    """What is known about a PCM stream before reading it."""

    sample_rate: int
    channels: int
    expected_samples: int | None  # per channel, from the header; None if unknown
    samples_read: int = field(default=0)


def cut_short(info: PcmInfo) -> bool:
    """Whether fewer samples arrived than the header promised, beyond what codecs' padding explains."""
    exp = info.expected_samples
    if exp is None or exp <= 0:
        return False
    tolerance = max(info.sample_rate // 2, exp // 100)
    return info.samples_read + tolerance < exp


def truncation_check(info: PcmInfo) -> None:
    exp = info.expected_samples
    if exp is not None and cut_short(info):
        raise MediaError(
            f"truncated: decoding stopped at {info.samples_read / info.sample_rate:.1f} s "
            f"of {exp / info.sample_rate:.1f} s"
        )
