"""Perceptual hashes: 64 bits that stay close when the same recording is re-encoded.

Two files whose hashes differ in few bits (``hamming``) hold the same content: the same audio at
another bitrate or sample rate, the same video at another size or quality. Unrelated content
differs in about half of the bits.

* Audio: the mono signal's energy in 8 bands between 150 Hz and 4 kHz (what every lossy codec
  keeps), summed per quarter second as the file streams by, then gathered into 9 equal time slices; bit
  ``(band, t)`` says whether the band's energy rises from slice ``t`` to ``t + 1``. Gain changes,
  resampling and a codec's small delay leave these rises alone.
* Video: the difference hash of the mean of the key frames (grey, 9 x 8): bit ``(row, col)`` says
  whether a cell is brighter than its right neighbour. Only key frames are decoded.

Hashes are stored as signed 64-bit integers (a database ``bigint``); ``to_signed``/``hamming``
convert and compare.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from .errors import MediaError
from .frames import video_stream
from .pcm import open_av_container, open_pcm

FINGERPRINT_VERSION = "1"
BANDS_HZ = (150.0, 300.0, 500.0, 750.0, 1100.0, 1600.0, 2200.0, 3000.0, 4000.0)
SLICES = 9
FRAME_S = 0.05
FRAMES_PER_BLOCK = 5  # blocks of a quarter second
#: Hashes at most this many bits apart are the same content (unrelated content: about 32 apart).
NEAR_BITS = 10


def to_signed(value: int) -> int:
    """An unsigned 64-bit hash as the signed integer a ``bigint`` column holds."""
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming(a: int, b: int) -> int:
    """Bits in which two hashes (signed or unsigned) differ."""
    return bin((a ^ b) & ((1 << 64) - 1)).count("1")


def _bits(flags: np.ndarray) -> int:
    value = 0
    for flag in flags.ravel():
        value = (value << 1) | int(bool(flag))
    return to_signed(value)


def _band_matrix(frame: int, sample_rate: int) -> np.ndarray:
    """A (bands, frame // 2 + 1) 0/1 matrix that sums an FFT's power into the bands."""
    freqs = np.fft.rfftfreq(frame, 1.0 / sample_rate)
    rows = [(freqs >= lo) & (freqs < hi) for lo, hi in itertools.pairwise(BANDS_HZ)]
    return np.array(rows, dtype=np.float64)


def _slices(blocks: np.ndarray) -> np.ndarray:
    """Band energies per block (blocks, bands) gathered into SLICES equal parts of the duration."""
    n = blocks.shape[0]
    if n < SLICES:  # shorter than SLICES blocks: spread each block over the slices it covers
        blocks = np.repeat(blocks, math.ceil(SLICES / max(n, 1)) * SLICES, axis=0)
        n = blocks.shape[0]
    edges = np.linspace(0, n, SLICES + 1).astype(int)
    return np.array([blocks[edges[i]:edges[i + 1]].sum(axis=0) for i in range(SLICES)])


class AudioHasher:
    """The audio hash as a consumer of streamed PCM (any chunk length), in constant memory but for
    the per-block band energies (8 floats a quarter second: 2.7 MB for three hours).

    Samples are taken in pieces that end on multiples of ``PIECE`` samples from the start: fed
    chunks of any multiple of ``PIECE`` (the waveform pyramid's are), the frames are batched exactly
    as when the file is read ``PIECE`` at a time, so every floating-point sum, and the hash, is
    bit for bit the same whoever feeds it.
    """

    PIECE = 65536

    def __init__(self, sample_rate: int) -> None:
        self.frame = max(64, int(sample_rate * FRAME_S))
        self.bands_t = _band_matrix(self.frame, sample_rate).T  # a transposed view, as the hash was first computed
        self.window = np.hanning(self.frame)
        self.position = 0
        self.carry = np.zeros(0)  # samples of a frame not yet complete
        self.rows = np.zeros((0, self.bands_t.shape[1]))  # frames' band energies of a block not yet complete
        self.blocks: list[np.ndarray] = []

    def feed(self, chunk: np.ndarray) -> None:
        n = chunk.shape[1]
        start = 0
        while start < n:
            end = min(n, start + self.PIECE - (self.position + start) % self.PIECE)
            self._piece(chunk[:, start:end])
            start = end
        self.position += n

    def _piece(self, chunk: np.ndarray) -> None:
        # A one-channel mean is the samples themselves: skip the reduction, not the rounding rule.
        mono = chunk[0].astype(np.float64) if chunk.shape[0] == 1 else chunk.astype(np.float64).mean(axis=0)
        frame = self.frame
        if self.carry.shape[0]:
            mono = np.concatenate([self.carry, mono])
        usable = (mono.shape[0] // frame) * frame
        self.carry = mono[usable:].copy()
        if not usable:
            return
        frames = mono[:usable].reshape(-1, frame)
        power = np.abs(np.fft.rfft(frames * self.window, axis=1)) ** 2
        rows = power @ self.bands_t
        if self.rows.shape[0]:
            rows = np.concatenate([self.rows, rows])
        full = (rows.shape[0] // FRAMES_PER_BLOCK) * FRAMES_PER_BLOCK
        if full:
            self.blocks.append(_block_sums(rows[:full].reshape(-1, FRAMES_PER_BLOCK, rows.shape[1])))
        self.rows = rows[full:].copy()

    def finish(self) -> int:
        """The hash; raises MediaError when the stream held too little audio."""
        blocks = list(self.blocks)
        if self.rows.shape[0]:
            blocks.append(_block_sums(self.rows[np.newaxis]))
        if not blocks:
            raise MediaError("too little audio for a fingerprint")
        sliced = np.log1p(_slices(np.concatenate(blocks)))  # (SLICES, bands)
        return _bits((sliced[1:] > sliced[:-1]).T)


def _block_sums(groups: np.ndarray) -> np.ndarray:
    """Sum each block's frames (blocks, frames, bands) in frame order, as a running total would."""
    total = groups[:, 0].copy()
    for i in range(1, groups.shape[1]):
        total += groups[:, i]
    return total


def audio_fingerprint(path: str) -> int:
    """The audio hash of a file's first audio stream, read once in constant memory."""
    info, chunks = open_pcm(path, AudioHasher.PIECE)
    hasher = AudioHasher(info.sample_rate)
    for chunk in chunks:
        hasher.feed(chunk)
    return hasher.finish()


def _grey_cells(frame: Any) -> np.ndarray:
    image = frame.to_image().convert("L").resize((9, 8))
    return np.asarray(image, dtype=np.float64)


def video_fingerprint(path: str, max_frames: int = 240) -> int:
    """The video hash: the difference hash of the mean key frame (at most ``max_frames`` of them)."""
    container = open_av_container(path)
    try:
        stream = video_stream(container)
        stream.codec_context.skip_frame = "NONKEY"
        total = np.zeros((8, 9))
        count = 0
        for frame in container.decode(stream):
            total += _grey_cells(frame)
            count += 1
            if count >= max_frames:
                break
    finally:
        container.close()
    if not count:
        raise MediaError("no key frame could be decoded for a fingerprint")
    mean = total / count
    return _bits(mean[:, 1:] > mean[:, :-1])


def fingerprint(path: str, kind: str, has_audio: bool) -> int | None:
    """The hash of a file of ``kind`` (video: its pictures; audio: its sound); None for other kinds."""
    if kind == "video":
        return video_fingerprint(path)
    if kind == "audio" and has_audio:
        return audio_fingerprint(path)
    return None
