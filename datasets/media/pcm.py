"""Streaming 16-bit PCM in fixed-size planar chunks.

Every audio computation here walks a file once, front to back, holding one
chunk at a time, so memory does not grow with duration. Two readers feed the
same chunk shape, ``int16[channels, chunk_samples]`` (planar, contiguous per
channel so reductions run over contiguous memory):

* 16-bit PCM WAV is read straight from the file with ``readinto`` into one
  reused buffer and de-interleaved with one strided copy: a decoder would only
  add per-frame overhead to what is already raw samples.
* Everything else is decoded with PyAV. Decoders that already emit s16 are
  copied as-is; float decoders (MP3, AAC, Opus, Vorbis) are gathered as float
  and converted once per chunk with the same rule swresample uses
  (``clip(rint(x * 32768))``, round half to even), which keeps the Python work
  per decoded frame to one array copy. Other sample formats go through PyAV's
  ``AudioResampler`` to ``s16p``.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import av
import numpy as np

from .errors import MediaError


@dataclass
class PcmInfo:
    """What is known about a PCM stream before reading it."""

    sample_rate: int
    channels: int
    expected_samples: int | None  # per channel, from the header; None if unknown
    samples_read: int = field(default=0)


@dataclass
class _WavLayout:
    channels: int
    sample_rate: int
    bits: int
    pcm: bool
    data_offset: int
    data_size: int


def _parse_wav(path: str) -> _WavLayout | None:
    """Parse a RIFF/WAVE header; None when the file is not a plain RIFF WAV."""
    with open(path, "rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        fmt: tuple[int, int, int, int] | None = None
        while True:
            hdr = fh.read(8)
            if len(hdr) < 8:
                return None
            cid, size = hdr[:4], struct.unpack("<I", hdr[4:])[0]
            if cid == b"fmt ":
                body = fh.read(size + (size & 1))
                if len(body) < 16:
                    return None
                tag, channels, rate, _br, _align, bits = struct.unpack("<HHIIHH", body[:16])
                if tag == 0xFFFE and len(body) >= 26:
                    tag = struct.unpack("<H", body[24:26])[0]
                fmt = (tag, channels, rate, bits)
            elif cid == b"data":
                if fmt is None:
                    return None
                offset = fh.tell()
                tag, channels, rate, bits = fmt
                return _WavLayout(channels, rate, bits, tag == 1, offset, size)
            else:
                fh.seek(size + (size & 1), os.SEEK_CUR)


def wav_layout(path: str) -> _WavLayout | None:
    """The header of a 16-bit PCM WAV that can be read directly, else None."""
    layout = _parse_wav(path)
    if layout is None or not layout.pcm or layout.bits != 16 or layout.channels < 1:
        return None
    return layout


def open_pcm(path: str, chunk_samples: int) -> tuple[PcmInfo, Iterator[np.ndarray]]:
    """Open ``path`` for streaming; return its info and an iterator of chunks.

    Each chunk is ``int16[channels, n]`` with ``n == chunk_samples`` except the
    last. The iterator updates ``info.samples_read`` as it goes and raises
    :class:`MediaError` at the end when fewer samples arrived than the header
    promised (a truncated file). Chunk buffers are reused: copy what you keep.
    """
    layout = wav_layout(path)
    if layout is not None:
        return _open_wav(path, layout, chunk_samples)
    return _open_av(path, chunk_samples)


def _truncation_check(info: PcmInfo) -> None:
    exp = info.expected_samples
    if exp is None or exp <= 0:
        return
    tolerance = max(info.sample_rate // 2, exp // 100)
    if info.samples_read + tolerance < exp:
        raise MediaError(
            f"truncated: decoding stopped at {info.samples_read / info.sample_rate:.1f} s "
            f"of {exp / info.sample_rate:.1f} s"
        )


def _open_wav(path: str, layout: _WavLayout, chunk: int) -> tuple[PcmInfo, Iterator[np.ndarray]]:
    ch = layout.channels
    frame_bytes = 2 * ch
    file_size = os.path.getsize(path)
    declared = layout.data_size
    if declared in (0, 0xFFFFFFFF) and file_size > layout.data_offset:
        declared = file_size - layout.data_offset  # streamed WAV with no size filled in
    info = PcmInfo(layout.sample_rate, ch, declared // frame_bytes)
    if info.expected_samples == 0:
        raise MediaError("zero duration")

    def gen() -> Iterator[np.ndarray]:
        inter = np.empty(chunk * ch, dtype=np.int16)
        planar = np.empty((ch, chunk), dtype=np.int16)
        mv = inter.data.cast("B")
        remaining = declared - declared % frame_bytes
        with open(path, "rb", buffering=0) as fh:
            fh.seek(layout.data_offset)
            while remaining > 0:
                want = min(remaining, chunk * frame_bytes)
                got = 0
                while got < want:
                    n = fh.readinto(mv[got:want])
                    if not n:
                        break
                    got += n
                got -= got % frame_bytes
                if got == 0:
                    break
                remaining -= got
                n_samples = got // frame_bytes
                if ch == 1:
                    out = inter[:n_samples].reshape(1, n_samples)
                else:
                    out = planar[:, :n_samples]
                    np.copyto(out, inter[: n_samples * ch].reshape(n_samples, ch).T)
                if not np.little_endian:  # pragma: no cover - WAV is little-endian
                    out = out.byteswap()
                info.samples_read += n_samples
                yield out
                if got < want:
                    break
        _truncation_check(info)

    return info, gen()


# sample format -> (buffer kind, dtype, planar): copied without a resampler
_DIRECT = {
    "fltp": ("f", np.float32, True),
    "flt": ("f", np.float32, False),
    "s16p": ("i", np.int16, True),
    "s16": ("i", np.int16, False),
}


def _audio_stream(container: Any) -> Any:
    streams = [s for s in container.streams.audio]
    if not streams:
        raise MediaError("no audio stream found")
    return streams[0]


def open_av_container(path: str) -> Any:
    """``av.open`` that turns decoder/demuxer failures into MediaError."""
    if os.path.getsize(path) == 0:
        raise MediaError("file is empty")
    try:
        return av.open(path, metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise MediaError(f"unsupported format or corrupt file ({_short(exc)})") from exc


def _short(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).split(":")[0].strip() or exc.__class__.__name__


def _open_av(path: str, chunk: int) -> tuple[PcmInfo, Iterator[np.ndarray]]:
    container = open_av_container(path)
    try:
        stream = _audio_stream(container)
    except MediaError:
        container.close()
        raise
    rate = int(stream.codec_context.sample_rate or stream.rate or 0)
    channels = int(stream.codec_context.channels or 0)
    if rate <= 0 or channels <= 0:
        container.close()
        raise MediaError("unsupported format: audio stream without sample rate or channels")
    expected: int | None = None
    if stream.duration and stream.time_base:
        expected = int(stream.duration * stream.time_base * rate)
    elif container.duration:
        expected = int(container.duration * rate // 1_000_000)
    info = PcmInfo(rate, channels, expected)

    def gen() -> Iterator[np.ndarray]:
        out = np.empty((channels, chunk), dtype=np.int16)
        fbuf = np.empty((channels, chunk), dtype=np.float32)
        fill = 0  # samples held in the current buffer
        mode = ""  # "f" float frames gathered in fbuf, "i" int16 frames in out
        resampler: Any = None

        def flush() -> np.ndarray:
            if mode == "f":
                y = fbuf[:, :fill]
                np.multiply(y, 32768.0, out=y)
                np.rint(y, out=y)
                np.clip(y, -32768.0, 32767.0, out=y)
                out[:, :fill] = y
            return out[:, :fill]

        def frames() -> Iterator[Any]:
            try:
                for packet in container.demux(stream):
                    try:
                        yield from packet.decode()
                    except av.error.InvalidDataError:
                        continue  # a damaged packet: skip it as players do
            except av.error.FFmpegError as exc:
                raise MediaError(f"corrupt audio ({_short(exc)})") from exc

        try:
            for frame in frames():
                fmt = frame.format.name
                if frame.layout.nb_channels != channels:
                    raise MediaError("unsupported format: channel count changes mid-stream")
                if fmt in _DIRECT:
                    kind, dtype, planar = _DIRECT[fmt]
                    n = frame.samples
                    if planar:
                        planes = [np.frombuffer(p, dtype, n) for p in frame.planes[:channels]]
                    else:
                        planes = list(np.frombuffer(frame.planes[0], dtype, n * channels).reshape(n, channels).T)
                    arr = None
                else:
                    planes = []
                    kind = "i"
                    if resampler is None:
                        resampler = av.AudioResampler(format="s16p", layout=frame.layout, rate=frame.sample_rate)
                    parts = [f.to_ndarray() for f in resampler.resample(frame)]
                    if not parts:
                        continue
                    arr = np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]
                    n = arr.shape[1]
                if mode and kind != mode and fill:
                    # A decoder switched sample format mid-stream: move what is
                    # held to the new buffer (both directions are exact).
                    if mode == "f":
                        flush()
                    else:
                        np.multiply(out[:, :fill], 1.0 / 32768.0, out=fbuf[:, :fill])
                mode = kind
                target = fbuf if kind == "f" else out
                pos = 0
                while pos < n:
                    take = min(n - pos, chunk - fill)
                    if arr is not None:
                        target[:, fill : fill + take] = arr[:, pos : pos + take]
                    else:  # read the decoder's planes in place: one copy per channel
                        for c, plane in enumerate(planes):
                            target[c, fill : fill + take] = plane[pos : pos + take]
                    fill += take
                    pos += take
                    if fill == chunk:
                        info.samples_read += fill
                        yield flush()
                        fill = 0
            if resampler is not None and mode == "i":
                for f in resampler.resample(None):
                    arr = f.to_ndarray()
                    if fill + arr.shape[1] > chunk:
                        info.samples_read += fill
                        yield flush()
                        fill = 0
                    out[:, fill : fill + arr.shape[1]] = arr
                    fill += arr.shape[1]
            if fill:
                info.samples_read += fill
                yield flush()
        finally:
            container.close()
        if info.samples_read == 0:
            raise MediaError("zero duration: no audio samples could be decoded")
        _truncation_check(info)

    return info, gen()
