"""Everything an audio asset needs from its samples, from one decode pass.

Decoding is most of the cost of a long compressed recording; the waveform pyramid and the
perceptual hash both need every sample, so both are consumers of the same streamed chunks
(:mod:`datasets.media.pcm_fanout`), and the decoder runs ahead in a thread of its own while they
compute. Memory is a few chunks plus what each consumer holds, whatever the duration.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .errors import MediaError
from .fingerprint import AudioHasher
from .pcm import open_pcm
from .pcm_fanout import AHEAD_BUFFERS, PcmConsumer, Progress, feed_all
from .waveform import DEFAULT_LEVELS, WaveformWriter, chunk_samples


@dataclass(frozen=True)
class AudioAnalysis:
    """The waveform manifest and the audio hash (None with the reason when it cannot be computed)."""

    waveform: dict[str, Any]
    fingerprint: int | None
    fingerprint_problem: str


def analyze_audio(path: str, out_dir: str, levels: Sequence[int] = DEFAULT_LEVELS, with_fingerprint: bool = True,
                  progress: Progress = None) -> AudioAnalysis:
    """The waveform pyramid (as :func:`compute_waveform`) and, when asked, the audio hash (as
    :func:`audio_fingerprint`) in one pass; both are bit for bit what each computes alone.

    Raises :class:`MediaError` as ``compute_waveform`` does; a stream too short to hash is not an
    error but a None fingerprint.
    """
    buffers = AHEAD_BUFFERS if with_fingerprint else 1
    info, chunks = open_pcm(path, chunk_samples(levels), buffers)
    hasher = AudioHasher(info.sample_rate) if with_fingerprint else None
    with contextlib.ExitStack() as stack:
        writer = WaveformWriter(stack, out_dir, info, levels)
        consumers: list[PcmConsumer] = [writer] if hasher is None else [writer, hasher]
        feed_all(info, chunks, consumers, progress, ahead=hasher is not None, buffers=buffers)
        manifest = writer.finish()
    fingerprint, problem = None, ""
    if hasher is not None:
        try:
            fingerprint = hasher.finish()
        except MediaError as exc:
            problem = str(exc)
    if progress is not None:
        progress(100.0)
    return AudioAnalysis(manifest, fingerprint, problem)
