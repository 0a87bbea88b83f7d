"""Waveform peaks pyramid in the audiowaveform ``.dat`` v2 format.

The browser draws a three-hour recording from a few hundred kilobytes of
precomputed min/max pairs, picking the level whose samples-per-pixel is
closest to its zoom. We compute every level in one streaming pass:

* PCM arrives in planar int16 chunks whose length is a multiple of the
  coarsest level (see :mod:`datasets.media.pcm`), so every chunk ends on a bin
  boundary of every level and the chunk's bins can be written out at once:
  memory is one chunk plus its bins, whatever the duration.
* The finest level is a min and a max over each channel's contiguous
  ``(bins, spp)`` view (a reduction over contiguous memory, which numpy
  vectorises; reducing across an interleaved axis is ~50x slower).
* Each coarser level is the min of mins / max of maxes of groups of bins of
  the previous level. Because every level is a power-of-two multiple of the
  finest and chunks align, this equals a direct reduction of the samples,
  including the shorter last bin.

File layout (little-endian): int32 version=2, uint32 flags (bit 0 set = 8-bit
data, clear = 16-bit), int32 sample_rate, int32 samples_per_pixel,
uint32 length (bins), int32 channels, then per bin and per channel an int16
min and an int16 max.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from .atomic import atomic_open
from .errors import MediaError
from .pcm_fanout import Progress, feed_all

if TYPE_CHECKING:
    from .pcm_info import PcmInfo

WAVEFORM_VERSION = "1"
DEFAULT_LEVELS: tuple[int, ...] = (256, 512, 1024, 2048, 4096, 8192, 16384, 32768)
_HEADER = struct.Struct("<iIiiIi")
_HEADER_V1 = struct.Struct("<iIiiI")
_CHUNK_TARGET = 1 << 20  # samples per channel held at once (2 MiB per channel)


def level_file_name(samples_per_pixel: int) -> str:
    """File name, relative to the output folder, of one pyramid level."""
    return f"waveform_{samples_per_pixel}.dat"


def _check_levels(levels: Sequence[int]) -> list[int]:
    lv = sorted(set(int(x) for x in levels))
    if not lv or lv[0] < 1:
        raise ValueError("levels must be positive integers")
    for finer, coarser in itertools.pairwise(lv):
        ratio, rem = divmod(coarser, finer)
        if rem or ratio & (ratio - 1):
            raise ValueError("each level must be a power-of-two multiple of the previous one")
    return lv


def _reduce_finest(chunk: np.ndarray, spp: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel min and max of each ``spp``-sample bin: ``int16[ch, bins]``."""
    channels, n = chunk.shape
    full = n // spp
    bins = -(-n // spp)
    mins = np.empty((channels, bins), dtype=np.int16)
    maxs = np.empty((channels, bins), dtype=np.int16)
    for c in range(channels):
        plane = chunk[c]
        if full:
            view = plane[: full * spp].reshape(full, spp)
            np.min(view, axis=1, out=mins[c, :full])
            np.max(view, axis=1, out=maxs[c, :full])
        if bins > full:
            tail = plane[full * spp :]
            mins[c, full] = tail.min()
            maxs[c, full] = tail.max()
    return mins, maxs


def _reduce_pairs(arr: np.ndarray, ratio: int, op: Any) -> np.ndarray:
    """Combine each run of ``ratio`` bins (the last run may be shorter)."""
    channels, n = arr.shape
    full = n // ratio
    bins = -(-n // ratio)
    out = np.empty((channels, bins), dtype=arr.dtype)
    if full:
        op.reduce(arr[:, : full * ratio].reshape(channels, full, ratio), axis=2, out=out[:, :full])
    if bins > full:
        out[:, full] = op.reduce(arr[:, full * ratio :], axis=1)
    return out


def _interleave(mins: np.ndarray, maxs: np.ndarray) -> bytes:
    channels, bins = mins.shape
    body = np.empty((bins, channels, 2), dtype="<i2")
    body[:, :, 0] = mins.T
    body[:, :, 1] = maxs.T
    return body.tobytes()


def chunk_samples(levels: Sequence[int]) -> int:
    """Samples per channel of the chunks a pyramid with these levels is fed: a multiple of the coarsest."""
    coarsest = _check_levels(levels)[-1]
    return coarsest * max(1, _CHUNK_TARGET // coarsest)


class WaveformWriter:
    """The pyramid as a consumer of streamed PCM: each chunk's bins are written as it arrives.

    Chunks must be ``chunk_samples(levels)`` long (the last may be shorter), so that each ends on
    a bin boundary of every level. The level files are opened on ``stack``, under temporary
    names: they appear under their final names when the stack closes without an error.
    """

    def __init__(self, stack: contextlib.ExitStack, out_dir: str, info: PcmInfo, levels: Sequence[int]) -> None:
        self.info = info
        self.levels = _check_levels(levels)
        self.lengths = [0] * len(self.levels)
        os.makedirs(out_dir, exist_ok=True)
        self.files: list[BinaryIO] = [stack.enter_context(atomic_open(os.path.join(out_dir, level_file_name(s))))
                                      for s in self.levels]
        for fh, spp in zip(self.files, self.levels, strict=True):
            fh.write(_HEADER.pack(2, 0, info.sample_rate, spp, 0, info.channels))

    def feed(self, chunk: np.ndarray) -> None:
        lv = self.levels
        mins, maxs = _reduce_finest(chunk, lv[0])
        for i, spp in enumerate(lv):
            if i:
                ratio = spp // lv[i - 1]
                mins = _reduce_pairs(mins, ratio, np.minimum)
                maxs = _reduce_pairs(maxs, ratio, np.maximum)
            self.files[i].write(_interleave(mins, maxs))
            self.lengths[i] += mins.shape[1]

    def finish(self) -> dict[str, Any]:
        """Complete the headers and return the manifest; raises MediaError when no sample came."""
        info = self.info
        if info.samples_read == 0:
            raise MediaError("zero duration")
        for fh, spp, length in zip(self.files, self.levels, self.lengths, strict=True):
            fh.seek(0)
            fh.write(_HEADER.pack(2, 0, info.sample_rate, spp, length, info.channels))
        return {
            "version": WAVEFORM_VERSION,
            "sample_rate": info.sample_rate,
            "channels": info.channels,
            "samples": info.samples_read,
            "duration_ms": info.samples_read * 1000 // info.sample_rate,
            "levels": [
                {"samples_per_pixel": spp, "length": n, "file": level_file_name(spp)}
                for spp, n in zip(self.levels, self.lengths, strict=True)
            ],
        }


def compute_waveform(
    path: str,
    out_dir: str,
    levels: Sequence[int] = DEFAULT_LEVELS,
    progress: Progress = None,
) -> dict[str, Any]:
    """Write one ``.dat`` file per level into ``out_dir``; return the manifest.

    The manifest is ``{"version", "sample_rate", "channels", "samples",
    "duration_ms", "levels": [{"samples_per_pixel", "length", "file"}]}`` with
    file names relative to ``out_dir``. Raises :class:`MediaError` for files
    without audio, with zero duration, or truncated. Files appear under their
    final names only once complete. :func:`datasets.media.audio.analyze_audio`
    computes this and the perceptual hash in one decode pass.
    """
    lv = _check_levels(levels)
    from .pcm import open_pcm  # PyAV: only the worker that decodes needs it, not the web reading .dat files

    info, chunks = open_pcm(path, chunk_samples(lv))
    with contextlib.ExitStack() as stack:
        writer = WaveformWriter(stack, out_dir, info, lv)
        feed_all(info, chunks, [writer], progress)
        manifest = writer.finish()
    if progress is not None:
        progress(100.0)
    return manifest


def read_dat_header(dat: bytes) -> dict[str, int]:
    """Parse a ``.dat`` header (version 1 or 2)."""
    if len(dat) < _HEADER_V1.size:
        raise MediaError("waveform data is too short")
    version = struct.unpack_from("<i", dat)[0]
    if version == 1:
        _, flags, rate, spp, length = _HEADER_V1.unpack_from(dat)
        channels, offset = 1, _HEADER_V1.size
    elif version == 2:
        if len(dat) < _HEADER.size:
            raise MediaError("waveform data is too short")
        _, flags, rate, spp, length, channels = _HEADER.unpack_from(dat)
        offset = _HEADER.size
    else:
        raise MediaError(f"unsupported waveform data version {version}")
    return {
        "version": version,
        "flags": flags,
        "sample_rate": rate,
        "samples_per_pixel": spp,
        "length": length,
        "channels": channels,
        "bits": 8 if flags & 1 else 16,
        "offset": offset,
    }


def dat_to_json(dat_bytes: bytes) -> dict[str, Any]:
    """Convert ``.dat`` bytes to the waveform-data.js JSON object.

    ``data`` holds, per bin, each channel's min then max (the same order as
    the binary body), as plain ints.
    """
    h = read_dat_header(dat_bytes)
    dtype = "<i1" if h["bits"] == 8 else "<i2"
    count = h["length"] * h["channels"] * 2
    body = np.frombuffer(dat_bytes, dtype=dtype, count=count, offset=h["offset"]) if count else np.empty(0, dtype)
    return {
        "version": 2,
        "channels": h["channels"],
        "sample_rate": h["sample_rate"],
        "samples_per_pixel": h["samples_per_pixel"],
        "bits": h["bits"],
        "length": h["length"],
        "data": body.astype(np.int64).tolist(),
    }
