"""Streaming audio decode for models: any PyAV-readable file to 16 kHz mono float32 chunks.

Why streaming: an hour of 48 kHz stereo is ~1.4 GB as float32; resampling on the fly and
yielding fixed-size chunks keeps memory constant whatever the file length.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

SAMPLE_RATE = 16000


def iter_audio(
    path: str, *, chunk_samples: int = SAMPLE_RATE * 10, sample_rate: int = SAMPLE_RATE
) -> Iterator[np.ndarray]:
    """Yield mono float32 chunks of exactly ``chunk_samples`` (the last may be shorter).

    Channels are averaged, so a full-scale stereo file stays within [-1, 1].

    Uses the first audio stream of ``path`` (a video file works too). Raises ValueError when
    there is no audio stream; PyAV errors for corrupt input propagate to the caller.
    """
    import av

    if chunk_samples < 1:
        raise ValueError("chunk_samples must be positive")
    with av.open(str(path)) as container:
        if not container.streams.audio:
            raise ValueError(f"no audio stream in {path}")
        stream = container.streams.audio[0]
        # Keep the channels through the resampler and average them here: swresample's own
        # stereo-to-mono matrix adds the channels at -3 dB each, which can exceed full scale.
        resampler = av.AudioResampler(format="fltp", rate=sample_rate)
        pending: list[np.ndarray] = []
        count = 0

        def frames() -> Iterator[np.ndarray]:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    yield out.to_ndarray().mean(axis=0)
            for out in resampler.resample(None):
                yield out.to_ndarray().mean(axis=0)

        for samples in frames():
            pending.append(samples.astype(np.float32, copy=False))
            count += samples.size
            while count >= chunk_samples:
                joined = np.concatenate(pending)
                yield joined[:chunk_samples]
                rest = joined[chunk_samples:]
                pending = [rest] if rest.size else []
                count = rest.size
        if count:
            yield np.concatenate(pending)


def read_audio(path: str, *, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The whole file as one mono float32 array: only for short clips (tests, previews)."""
    chunks = list(iter_audio(path, sample_rate=sample_rate))
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
