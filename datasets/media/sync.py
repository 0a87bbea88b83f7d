"""Offset between two recordings of the same scene (camera audio vs lapel mic).

Both files are decoded (streaming, mono, 16 kHz) into 1 ms energy envelopes:
envelopes ignore the microphones' different frequency responses and phase,
which defeat a raw waveform correlation, while keeping the timing of every
onset. The log envelopes are high-passed (minus a 100 ms moving average) so
that loudness drifts do not dominate, cross-correlated with one FFT over the
allowed lag range, and the best lag is refined to a fraction of a
millisecond with a parabola through the peak and its neighbours.
"""

from __future__ import annotations

import av
import numpy as np

from .errors import MediaError
from .pcm import open_av_container

SYNC_VERSION = "1"
_RATE = 16000
_HOP = 16  # samples per envelope value: 1 ms at 16 kHz


def energy_envelope(path: str, max_seconds: float) -> np.ndarray:
    """1 ms RMS envelope of the first ``max_seconds`` of the first audio stream."""
    container = open_av_container(path)
    try:
        if not container.streams.audio:
            raise MediaError("no audio stream found: the sync check needs audio in both files")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=_RATE)
        limit = int(max_seconds * _RATE)
        parts: list[np.ndarray] = []
        envs: list[np.ndarray] = []
        held = 0
        total = 0

        def take(arr: np.ndarray) -> None:
            nonlocal held
            parts.append(arr)
            held += arr.size
            if held >= 1 << 16:
                drain()

        def drain(final: bool = False) -> None:
            nonlocal held, parts
            if not parts:
                return
            buf = np.concatenate(parts)
            usable = buf.size if final else buf.size - buf.size % _HOP
            full = usable // _HOP
            if full:
                blocks = buf[: full * _HOP].reshape(full, _HOP)
                envs.append(np.sqrt(np.einsum("ij,ij->i", blocks, blocks) / _HOP))
            rest = buf[full * _HOP :]
            parts = [rest] if rest.size else []
            held = rest.size

        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    arr = out.to_ndarray().reshape(-1)
                    if total + arr.size > limit:
                        arr = arr[: limit - total]
                    total += arr.size
                    take(arr)
                if total >= limit:
                    break
        except av.error.FFmpegError as exc:
            raise MediaError(f"corrupt audio ({exc})") from exc
        drain(final=True)
    finally:
        container.close()
    if not envs:
        raise MediaError("zero duration: no audio samples could be decoded")
    return np.concatenate(envs).astype(np.float64)


def _prepare(env: np.ndarray) -> np.ndarray:
    log = np.log(env + 1e-4)
    kernel = 101
    csum = np.cumsum(np.concatenate([[0.0], np.pad(log, kernel // 2, mode="edge")]))
    smooth = (csum[kernel:] - csum[:-kernel]) / kernel
    out = log - smooth[: log.size]
    out -= out.mean()
    norm = np.linalg.norm(out)
    unit: np.ndarray = out / norm if norm > 0 else out
    return unit


def estimate_offset(
    path_a: str, path_b: str, max_offset_ms: int = 2000, max_seconds: float = 600.0
) -> tuple[float, float]:
    """How much later (ms) events occur in ``path_b`` than in ``path_a``.

    Returns ``(offset_ms, confidence)``: positive when ``b`` is late. To align,
    place ``b`` at ``-offset_ms`` relative to ``a`` (with item time = stream
    time + stream offset, ``b``'s offset is ``a``'s minus ``offset_ms``). Confidence in 0..1 is
    ``(peak - next_best) / peak`` where ``next_best`` is the highest
    correlation more than 20 ms away from the peak; values under ~0.1 mean
    the match is ambiguous (silence, periodic sound). Only the first
    ``max_seconds`` of each file are read.
    """
    a = _prepare(energy_envelope(path_a, max_seconds + max_offset_ms / 1000))
    b = _prepare(energy_envelope(path_b, max_seconds + max_offset_ms / 1000))
    m = int(max_offset_ms)
    n = 1 << int(np.ceil(np.log2(a.size + b.size + 1)))
    corr = np.fft.irfft(np.fft.rfft(a, n) * np.conj(np.fft.rfft(b, n)), n)
    lags = np.arange(-m, m + 1)
    values = corr[lags % n]
    best = int(np.argmax(values))
    peak = float(values[best])
    frac = 0.0
    if 0 < best < values.size - 1:
        y0, y1, y2 = values[best - 1], values[best], values[best + 1]
        denom = y0 - 2 * y1 + y2
        if denom < 0:
            frac = float(0.5 * (y0 - y2) / denom)
    away = np.abs(lags - lags[best]) > 20
    second = float(values[away].max()) if away.any() else 0.0
    confidence = 0.0 if peak <= 0 else float(np.clip((peak - max(second, 0.0)) / peak, 0.0, 1.0))
    offset = -(float(lags[best]) + frac)
    return offset, confidence
