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
  (``clip(rint(x * 32768))``, round half to even). Consecutive planar frames
  are first joined in C (:mod:`datasets.media.pcm_gather`), so Python copies
  samples once per ~65,000, not once per decoded frame. Other sample formats go
  through PyAV's ``AudioResampler`` to ``s16p``.
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
from .pcm_gather import GATHER_SAMPLES, FrameGather


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


def _stream_info(container: Any, stream: Any) -> PcmInfo:
    rate = int(stream.codec_context.sample_rate or stream.rate or 0)
    channels = int(stream.codec_context.channels or 0)
    if rate <= 0 or channels <= 0:
        raise MediaError("unsupported format: audio stream without sample rate or channels")
    expected: int | None = None
    if stream.duration and stream.time_base:
        expected = int(stream.duration * stream.time_base * rate)
    elif container.duration:
        expected = int(container.duration * rate // 1_000_000)
    return PcmInfo(rate, channels, expected)


def _open_av(path: str, chunk: int) -> tuple[PcmInfo, Iterator[np.ndarray]]:
    container = open_av_container(path)
    try:
        stream = _audio_stream(container)
        info = _stream_info(container, stream)
    except MediaError:
        container.close()
        raise
    return info, _decode_chunks(container, stream, info, chunk)


def _decoded_frames(container: Any, stream: Any) -> Iterator[Any]:
    try:
        for packet in container.demux(stream):
            try:
                yield from packet.decode()
            except av.error.InvalidDataError:
                continue  # a damaged packet: skip it as players do
    except av.error.FFmpegError as exc:
        raise MediaError(f"corrupt audio ({_short(exc)})") from exc


@dataclass(slots=True)
class _FrameSamples:
    """One decoded frame's samples: the decoder's planes read in place, or one resampled array."""

    kind: str  # "f": float samples, "i": int16 samples
    n: int  # samples per channel
    planes: list[np.ndarray]
    arr: np.ndarray | None


class _SampleSource:
    """Turns decoded frames into `_FrameSamples`, through a resampler only for formats not in `_DIRECT`."""

    def __init__(self, channels: int) -> None:
        self.channels = channels
        self.resampler: Any = None

    def of(self, frame: Any) -> _FrameSamples | None:
        """The frame's samples; None when the resampler holds them back for now."""
        channels = self.channels
        if frame.layout.nb_channels != channels:
            raise MediaError("unsupported format: channel count changes mid-stream")
        fmt = frame.format.name
        if fmt in _DIRECT:
            kind, dtype, planar = _DIRECT[fmt]
            n = frame.samples
            if planar:
                planes = [np.frombuffer(p, dtype, n) for p in frame.planes[:channels]]
            else:
                planes = list(np.frombuffer(frame.planes[0], dtype, n * channels).reshape(n, channels).T)
            return _FrameSamples(kind, n, planes, None)
        if self.resampler is None:
            self.resampler = av.AudioResampler(format="s16p", layout=frame.layout, rate=frame.sample_rate)
        parts = [f.to_ndarray() for f in self.resampler.resample(frame)]
        if not parts:
            return None
        arr = np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]
        return _FrameSamples("i", arr.shape[1], [], arr)

    def drain(self) -> Iterator[np.ndarray]:
        """What the resampler still holds at the end of the stream."""
        for f in self.resampler.resample(None):
            yield f.to_ndarray()


class _ChunkBuffer:
    """Gathers samples into fixed-size int16 chunks; float samples wait in a float buffer and are
    converted once per chunk. Each chunk handed out is a view of one reused buffer.
    """

    def __init__(self, info: PcmInfo, chunk: int) -> None:
        self.info = info
        self.chunk = chunk
        self.out = np.empty((info.channels, chunk), dtype=np.int16)
        self.fbuf = np.empty((info.channels, chunk), dtype=np.float32)
        self.fill = 0  # samples held in the current buffer
        self.mode = ""  # "f" float frames gathered in fbuf, "i" int16 frames in out

    def _convert(self) -> np.ndarray:
        fill = self.fill
        if self.mode == "f":
            y = self.fbuf[:, :fill]
            np.multiply(y, 32768.0, out=y)
            np.rint(y, out=y)
            np.clip(y, -32768.0, 32767.0, out=y)
            self.out[:, :fill] = y
        return self.out[:, :fill]

    def _hand_out(self) -> np.ndarray:
        self.info.samples_read += self.fill
        chunk = self._convert()
        self.fill = 0
        return chunk

    def _switch(self, kind: str) -> None:
        if self.mode and kind != self.mode and self.fill:
            # A decoder switched sample format mid-stream: move what is
            # held to the new buffer (both directions are exact).
            if self.mode == "f":
                self._convert()
            else:
                np.multiply(self.out[:, : self.fill], 1.0 / 32768.0, out=self.fbuf[:, : self.fill])
        self.mode = kind

    def add(self, s: _FrameSamples) -> Iterator[np.ndarray]:
        """Take a frame's samples; yields each chunk that fills."""
        self._switch(s.kind)
        target = self.fbuf if s.kind == "f" else self.out
        chunk, n, arr = self.chunk, s.n, s.arr
        pos = 0
        while pos < n:
            fill = self.fill
            take = min(n - pos, chunk - fill)
            if arr is not None:
                target[:, fill : fill + take] = arr[:, pos : pos + take]
            else:  # read the decoder's planes in place: one copy per channel
                for c, plane in enumerate(s.planes):
                    target[c, fill : fill + take] = plane[pos : pos + take]
            self.fill = fill + take
            pos += take
            if self.fill == chunk:
                yield self._hand_out()

    def add_tail(self, arr: np.ndarray) -> Iterator[np.ndarray]:
        """Take int16 samples drained from the resampler, starting a new chunk when they do not fit."""
        n = arr.shape[1]
        if self.fill + n > self.chunk:
            yield self._hand_out()
        self.out[:, self.fill : self.fill + n] = arr
        self.fill += n

    def rest(self) -> Iterator[np.ndarray]:
        """The last, partly filled chunk, if any."""
        if self.fill:
            yield self._hand_out()


def _decode_chunks(container: Any, stream: Any, info: PcmInfo, chunk: int) -> Iterator[np.ndarray]:
    """Decode the stream into chunks, then check that it held samples and was not cut short."""
    buf = _ChunkBuffer(info, chunk)
    source = _SampleSource(info.channels)
    gather = FrameGather(info.channels)

    def take(frame: Any) -> Iterator[np.ndarray]:
        samples = source.of(frame)
        if samples is not None:
            yield from buf.add(samples)

    try:
        for frame in _decoded_frames(container, stream):
            if gather.take(frame):
                if gather.samples >= GATHER_SAMPLES:
                    yield from take(gather.read())
                continue
            if gather.samples:  # keep the order: what was gathered comes before this frame
                yield from take(gather.read())
            yield from take(frame)
        if gather.samples:
            yield from take(gather.read())
        if source.resampler is not None and buf.mode == "i":
            for arr in source.drain():
                yield from buf.add_tail(arr)
        yield from buf.rest()
    finally:
        container.close()
    if info.samples_read == 0:
        raise MediaError("zero duration: no audio samples could be decoded")
    _truncation_check(info)
