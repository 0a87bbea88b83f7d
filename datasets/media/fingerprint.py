"""Perceptual hashes: 64 bits that stay close when the same recording is re-encoded.

Two files whose hashes differ in few bits (``hamming``) hold the same content: the same audio at
another bitrate or sample rate, the same video at another size or quality. Unrelated content
differs in about half of the bits.

* Audio: the mono signal's energy in 8 bands between 150 Hz and 4 kHz (what every lossy codec
  keeps), measured on the signal resampled to 8 kHz, summed per quarter second as the file streams
  by, then gathered into 9 equal time slices; bit ``(band, t)`` says whether the band's energy
  rises from slice ``t`` to ``t + 1``. Gain changes, resampling and a codec's small delay leave
  these rises alone.
* Video: the difference hash of the mean of the key frames (grey, 9 x 8): bit ``(row, col)`` says
  whether a cell is brighter than its right neighbour. Only key frames are decoded.

Hashes are stored as signed 64-bit integers (a database ``bigint``); ``to_signed``/``hamming``
convert and compare.
"""

from __future__ import annotations

import math
from typing import Any

import av
import numpy as np

from .errors import MediaError
from .frames import video_stream
from .pcm import open_av_container, open_pcm

#: The algorithm that made a stored hash, kept beside it: hashes of different versions are not
#: comparable. Audio 2: computed from the signal resampled to 8 kHz mono (1: at the file's own rate).
AUDIO_FINGERPRINT_VERSION = "2"
VIDEO_FINGERPRINT_VERSION = "1"
#: The current version by asset kind (kinds without a hash have none).
FINGERPRINT_VERSIONS = {"audio": AUDIO_FINGERPRINT_VERSION, "video": VIDEO_FINGERPRINT_VERSION}
BANDS_HZ = (150.0, 300.0, 500.0, 750.0, 1100.0, 1600.0, 2200.0, 3000.0, 4000.0)
SLICES = 9
FRAME_S = 0.05
FRAMES_PER_BLOCK = 5  # blocks of a quarter second
#: Hashes at most this many bits apart are the same content (unrelated content: about 32 apart).
NEAR_BITS = 10
_CHUNK = 1 << 20  # samples per channel read at once by ``audio_fingerprint``


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


def _band_edges(frame: int, sample_rate: int) -> np.ndarray:
    """The first FFT bin of each band and the end of the last (bands are adjacent bin ranges)."""
    return np.searchsorted(np.fft.rfftfreq(frame, 1.0 / sample_rate), BANDS_HZ)


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

    The bands stop at 4 kHz, so the hash is computed from the mono signal at ``RATE`` (8 kHz):
    swresample resamples it in C as the chunks arrive, and the FFTs then cost a fifth of what
    they would at 44.1 kHz. Resampled samples are gathered into batches of ``BATCH_FRAMES`` frames
    counted from the start of the stream, so every floating-point sum, and the hash, is bit for
    bit the same however the stream is cut into chunks (swresample's output does not depend on it).
    """

    RATE = 8000
    BATCH_FRAMES = 160  # 8 s: large enough for numpy to batch FFTs, small enough to stay in cache
    #: swresample's filter length: 16, half its default and about a third less CPU. The bands stay flat
    #: to 3 kHz (-2 dB at 3.5 kHz); what would alias into them is 20 dB down from 4.5 kHz, 50 dB
    #: from 5 kHz and 90 dB from 5.5 kHz, alike in a file and its re-encoded copies.
    FILTER_SIZE = 16
    #: Samples handed to swresample at once: its buffers grow with what it is given (2^20 samples
    #: at once cost 30 MB more), and one call per 65,536 samples costs nothing measurable.
    PUSH = 65536

    def __init__(self, sample_rate: int) -> None:
        self.frame = frame = int(self.RATE * FRAME_S)
        self.edges = _band_edges(frame, self.RATE)
        self.window = np.hanning(frame)
        self.sample_rate = sample_rate
        self.resampler: Any = None
        # Work buffers, reused batch after batch: allocating them anew for each batch, between the
        # resampler's own allocations, fragments the heap until memory grows with the duration.
        self.batch = np.empty((self.BATCH_FRAMES, frame))
        self.fill = 0  # resampled samples held in ``batch``
        self.spectrum = np.empty((self.BATCH_FRAMES, frame // 2 + 1), dtype=np.complex128)
        self.power = np.empty((self.BATCH_FRAMES, frame // 2 + 1))
        self.rows = np.empty((self.BATCH_FRAMES, len(BANDS_HZ) - 1))
        # Band energies per block (8 floats a quarter second), in an array that doubles when full.
        self.blocks = np.empty((1024, len(BANDS_HZ) - 1))
        self.n_blocks = 0

    def feed(self, chunk: np.ndarray) -> None:
        channels, n = chunk.shape
        if not n:
            return
        if self.resampler is None:
            self.resampler = av.AudioResampler(format="s16", layout="mono", rate=self.RATE,
                                               options={"filter_size": str(self.FILTER_SIZE)})
        # The channels' mean (floored), so that swresample resamples one channel and needs no
        # channel layout (a WAV's has no name; an unnamed one cannot be mixed down by swresample).
        mono = chunk[0] if channels == 1 else (chunk.sum(axis=0, dtype=np.int32) // channels).astype(np.int16)
        for start in range(0, n, self.PUSH):
            piece = mono[start : start + self.PUSH]
            frame = av.AudioFrame.from_ndarray(piece.reshape(1, -1), format="s16p", layout="mono")
            frame.sample_rate = self.sample_rate
            self._take(self.resampler.resample(frame))

    def _take(self, frames: list[Any]) -> None:
        flat = self.batch.reshape(-1)
        for out in frames:
            samples = np.frombuffer(out.planes[0], np.int16, out.samples)
            pos = 0
            while pos < samples.shape[0]:
                take = min(samples.shape[0] - pos, flat.shape[0] - self.fill)
                flat[self.fill : self.fill + take] = samples[pos : pos + take]
                self.fill += take
                pos += take
                if self.fill == flat.shape[0]:
                    self._frames(self.BATCH_FRAMES)
                    self.fill = 0

    def _frames(self, count: int) -> None:
        """Band energies of the first ``count`` frames of the batch, summed into blocks; a batch is
        a whole number of blocks, so only the last one, at the end of the stream, may leave a
        shorter block."""
        if not count:
            return
        frames, spectrum, power = self.batch[:count], self.spectrum[:count], self.power[:count]
        frames *= self.window
        np.fft.rfft(frames, axis=1, out=spectrum)
        np.multiply(spectrum.real, spectrum.real, out=power)
        power += spectrum.imag**2
        # Summed bin by bin in numpy: a matrix product would start BLAS threads that spin on the CPU.
        edges = self.edges
        rows = self.rows[:count]
        np.add.reduceat(power[:, edges[0] : edges[-1]], edges[:-1] - edges[0], axis=1, out=rows)
        blocks = -(-count // FRAMES_PER_BLOCK)
        if self.n_blocks + blocks > self.blocks.shape[0]:
            grown = np.empty((2 * self.blocks.shape[0], self.blocks.shape[1]))
            grown[: self.n_blocks] = self.blocks[: self.n_blocks]
            self.blocks = grown
        out = self.blocks[self.n_blocks : self.n_blocks + blocks]
        # Each block's frames summed in frame order, as a running total would.
        full = count // FRAMES_PER_BLOCK
        _block_sums(rows[: full * FRAMES_PER_BLOCK].reshape(full, FRAMES_PER_BLOCK, -1), out[:full])
        if blocks > full:
            _block_sums(rows[full * FRAMES_PER_BLOCK :][np.newaxis], out[full:])
        self.n_blocks += blocks

    def finish(self) -> int:
        """The hash; raises MediaError when the stream held too little audio."""
        if self.resampler is not None:
            self._take(self.resampler.resample(None))
            self.resampler = None
            self._frames(self.fill // self.frame)  # the last whole frames; a partial frame is dropped
            self.fill = 0
        if not self.n_blocks:
            raise MediaError("too little audio for a fingerprint")
        sliced = np.log1p(_slices(self.blocks[: self.n_blocks]))  # (SLICES, bands)
        return _bits((sliced[1:] > sliced[:-1]).T)


def _block_sums(groups: np.ndarray, out: np.ndarray) -> None:
    """Sum each block's frames (blocks, frames, bands) in frame order into ``out`` (blocks, bands)."""
    np.copyto(out, groups[:, 0])
    for i in range(1, groups.shape[1]):
        out += groups[:, i]


def audio_fingerprint(path: str) -> int:
    """The audio hash of a file's first audio stream, read once in constant memory."""
    info, chunks = open_pcm(path, _CHUNK)
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
