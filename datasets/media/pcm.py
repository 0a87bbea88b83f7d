"""Streaming 16-bit PCM in fixed-size planar chunks.

Every audio computation here walks a file once, front to back, holding one
chunk at a time, so memory does not grow with duration. Three readers feed the
same chunk shape, ``int16[channels, chunk_samples]`` (planar, contiguous per
channel so reductions run over contiguous memory):

* 16-bit PCM WAV is read straight from the file with ``readinto`` into one
  reused buffer and de-interleaved with one strided copy: a decoder would only
  add per-frame overhead to what is already raw samples.
* Everything else whose header states its length is decoded by an FFmpeg
  filter graph (``pcm_graph``: ``amovie``, ``aformat=s16p``, a sink handing out whole
  chunks): demuxing, decoding, conversion to 16 bits (swresample) and gathering
  all run in C, and Python makes one call per chunk. That call releases the
  GIL for the whole chunk, so a consumer in another thread runs alongside the
  decoder instead of taking turns with it; per decoded frame (400,000 in three
  hours of MP3) Python does nothing at all.
* The graph stops at the first damaged packet or change of sample format, and
  reads a demuxer error as the end of the file; whenever it stops early (by
  error, or short of the stated length), the frame-by-frame PyAV reader below
  takes over from the same sample, decoding from the start again (samples are
  the same bits from both readers). It skips damaged packets as players do,
  follows format changes, and raises the precise error. Files without a stated
  length go to it directly: only it can tell a read error from the end.
* The frame-by-frame reader: decoded frames (1152 samples each for MP3) are
  appended to FFmpeg's audio FIFO in C, and Python reads the FIFO once per
  65,536 samples, straight into the chunk: s16 samples are copied as they are,
  float samples (MP3, AAC, Opus, Vorbis) converted with the rule swresample
  uses (``clip(rint(x * 32768))``, round half to even). Other sample formats
  go through PyAV's ``AudioResampler`` to ``s16p`` first.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import av
import numpy as np

from .errors import MediaError
from .pcm_graph import GraphStopped, graph_chunks
from .pcm_info import PcmInfo, truncation_check


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


def open_pcm(path: str, chunk_samples: int, buffers: int = 1) -> tuple[PcmInfo, Iterator[np.ndarray]]:
    """Open ``path`` for streaming; return its info and an iterator of chunks.

    Each chunk is ``int16[channels, n]`` with ``n == chunk_samples`` except the
    last. The iterator updates ``info.samples_read`` as it goes and raises
    :class:`MediaError` at the end when fewer samples arrived than the header
    promised (a truncated file). Chunk buffers are reused: copy what you keep.
    ``buffers`` buffers are used in turn, so a chunk stays intact until
    ``buffers - 1`` more chunks have been read (what a reader running ahead needs).
    """
    layout = wav_layout(path)
    if layout is not None:
        return _open_wav(path, layout, chunk_samples, buffers)
    return _open_av(path, chunk_samples, buffers)


def _open_wav(path: str, layout: _WavLayout, chunk: int, buffers: int) -> tuple[PcmInfo, Iterator[np.ndarray]]:
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
        # Mono chunks are views of the read buffer itself, so that is what turns; others are views
        # of the de-interleaved copy.
        turns = max(1, buffers)
        reads = [np.empty(chunk * ch, dtype=np.int16) for _ in range(turns if ch == 1 else 1)]
        planars = [np.empty((ch, chunk), dtype=np.int16) for _ in range(turns if ch > 1 else 0)]
        turn = 0
        remaining = declared - declared % frame_bytes
        with open(path, "rb", buffering=0) as fh:
            fh.seek(layout.data_offset)
            while remaining > 0:
                inter = reads[turn % len(reads)]
                mv = inter.data.cast("B")
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
                    out = planars[turn % len(planars)][:, :n_samples]
                    np.copyto(out, inter[: n_samples * ch].reshape(n_samples, ch).T)
                turn += 1
                if not np.little_endian:  # pragma: no cover - WAV is little-endian
                    out = out.byteswap()
                info.samples_read += n_samples
                yield out
                if got < want:
                    break
        truncation_check(info)

    return info, gen()


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


def _open_audio(path: str) -> tuple[Any, Any, PcmInfo]:
    """The open container, its first audio stream and what it states; closed again on an error."""
    container = open_av_container(path)
    try:
        stream = _audio_stream(container)
        return container, stream, _stream_info(container, stream)
    except MediaError:
        container.close()
        raise


def _open_av(path: str, chunk: int, buffers: int) -> tuple[PcmInfo, Iterator[np.ndarray]]:
    container, stream, info = _open_audio(path)
    if not info.expected_samples:
        return info, _decode_chunks(container, stream, info, chunk, buffers)
    container.close()
    return info, _graph_chunks_or_frames(path, info, chunk, buffers)


def _graph_chunks_or_frames(path: str, info: PcmInfo, chunk: int, buffers: int) -> Iterator[np.ndarray]:
    """Chunks from the filter graph; where it stops early, the rest from the frame-by-frame reader."""
    try:
        yield from graph_chunks(path, info, chunk, buffers)
        return
    except (av.error.FFmpegError, GraphStopped):
        pass  # the frame reader skips what the graph stopped at, or raises the error as a MediaError
    yield from _frame_chunks_after(path, info, chunk, buffers)


def _frame_chunks_after(path: str, info: PcmInfo, chunk: int, buffers: int) -> Iterator[np.ndarray]:
    """The frame-by-frame reader's chunks after the ``info.samples_read`` samples already handed out
    (a whole number of chunks), then its end-of-stream checks."""
    done = info.samples_read
    container, stream, _ = _open_audio(path)
    own = PcmInfo(info.sample_rate, info.channels, info.expected_samples)
    for piece in _decode_chunks(container, stream, own, chunk, buffers):
        if own.samples_read > done:
            info.samples_read = own.samples_read
            yield piece


def _decoded_frames(container: Any, stream: Any) -> Iterator[Any]:
    try:
        for packet in container.demux(stream):
            try:
                yield from packet.decode()
            except av.error.InvalidDataError:
                continue  # a damaged packet: skip it as players do
    except av.error.FFmpegError as exc:
        raise MediaError(f"corrupt audio ({_short(exc)})") from exc


# Sample formats copied into chunks as they are: (dtype, planar). Any other format is converted to
# s16p by swresample, frame by frame, before it is gathered.
_DIRECT: dict[str, tuple[type[np.generic], bool]] = {
    "fltp": (np.float32, True),
    "flt": (np.float32, False),
    "s16p": (np.int16, True),
    "s16": (np.int16, False),
}


_PIECE = 65536  # samples read from the FIFO at once: a frame's buffer malloc reuses, not fresh pages


class _ChunkWriter:
    """Fills fixed-size ``int16[channels, chunk]`` buffers from gathered frames of one format.

    Float samples are converted with swresample's rule (``clip(rint(x * 32768))``, round half to
    even) through one float scratch buffer, straight into the chunk: no per-frame copies, no
    concatenation. ``buffers`` chunk buffers are used in turn, so a chunk handed out stays intact
    until ``buffers - 1`` more have been handed out (a reader running ahead needs no copy).
    """

    def __init__(self, info: PcmInfo, chunk: int, buffers: int) -> None:
        self.info = info
        self.chunk = chunk
        self.bufs = [np.empty((info.channels, chunk), dtype=np.int16) for _ in range(max(1, buffers))]
        self.turn = 0
        self.out = self.bufs[0]
        self.scratch = np.empty(min(chunk, _PIECE), dtype=np.float32)
        self.fill = 0

    @property
    def room(self) -> int:
        return self.chunk - self.fill

    def put(self, frame: Any, fmt: str) -> np.ndarray | None:
        """Copy the frame (at most ``room`` and ``_PIECE`` samples) into the current chunk; the chunk
        when full."""
        dtype, planar = _DIRECT[fmt]
        n, channels, fill = frame.samples, self.info.channels, self.fill
        dst = self.out[:, fill : fill + n]
        if planar:
            sources = [np.frombuffer(p, dtype, n) for p in frame.planes[:channels]]
        else:
            sources = list(np.frombuffer(frame.planes[0], dtype, n * channels).reshape(n, channels).T)
        for c, src in enumerate(sources):
            if dtype is np.int16:
                dst[c] = src
            else:
                y = self.scratch[:n]
                np.multiply(src, 32768.0, out=y)
                np.clip(y, -32768.0, 32767.0, out=y)
                np.rint(y, out=dst[c], casting="unsafe")  # rounded in float, then stored: exact
        self.fill = fill + n
        return self.hand_out() if self.fill == self.chunk else None

    def hand_out(self) -> np.ndarray:
        chunk = self.out[:, : self.fill]
        self.info.samples_read += self.fill
        self.fill = 0
        self.turn = (self.turn + 1) % len(self.bufs)
        self.out = self.bufs[self.turn]
        return chunk


def _decode_chunks(container: Any, stream: Any, info: PcmInfo, chunk: int, buffers: int = 1) -> Iterator[np.ndarray]:
    """Decode the stream into chunks, then check that it held samples and was not cut short.

    Decoded frames (an MP3 frame is 1152 samples: 400,000 of them in three hours) are appended to
    FFmpeg's audio FIFO, one C call each; Python reads the FIFO once per ``_PIECE`` samples (never
    more than the chunk has room for) and converts them in numpy. Each frame costs one FIFO write
    and a few attribute reads on top of decoding it.
    """
    writer = _ChunkWriter(info, chunk, buffers)
    channels = info.channels
    fifo: Any = None
    fmt = ""
    rate = 0
    resampler: Any = None

    def drain(everything: bool) -> Iterator[np.ndarray]:
        # Whole chunks while the FIFO holds enough; with ``everything``, what is left too.
        while fifo is not None and fifo.samples and (everything or fifo.samples >= writer.room):
            full = writer.put(fifo.read(min(writer.room, fifo.samples, _PIECE)), fmt)
            if full is not None:
                yield full

    def gather(frame: Any) -> Iterator[np.ndarray]:
        # The first frame, or one the FIFO refused: another sample format or rate.
        nonlocal fifo, fmt, rate, resampler
        name = frame.format.name
        if name not in _DIRECT:
            # A rare sample format (s32, dbl, u8...): to s16p first, then gathered like the rest.
            if resampler is None:
                resampler = av.AudioResampler(format="s16p", layout=frame.layout, rate=frame.sample_rate)
            converted = resampler.resample(frame)
            if not converted:
                return
            frame = converted[0] if len(converted) == 1 else _joined(converted)
            frame.pts = None
            name = "s16p"
        if name != fmt or frame.sample_rate != rate:
            yield from drain(True)  # what is gathered goes out first, in order
            fifo, fmt, rate = av.AudioFifo(), name, frame.sample_rate
        fifo.write(frame)

    try:
        room = writer.room
        for frame in _decoded_frames(container, stream):
            if frame.layout.nb_channels != channels:
                raise MediaError("unsupported format: channel count changes mid-stream")
            frame.pts = None  # the FIFO checks timestamps are gap-free; a damaged packet skipped is not an error
            if fifo is None:
                yield from gather(frame)
                room = writer.room
            else:
                try:
                    fifo.write(frame)  # checks the format and rate are the FIFO's: nothing to check here
                except ValueError:
                    yield from gather(frame)
                    room = writer.room
            if fifo is not None and fifo.samples >= room:
                yield from drain(False)
                room = writer.room
        if resampler is not None:
            rest = resampler.resample(None)
            if rest:
                frame = _joined(rest)
                if fmt != "s16p" or frame.sample_rate != rate:
                    yield from drain(True)
                    fifo, fmt, rate = av.AudioFifo(), "s16p", frame.sample_rate
                frame.pts = None
                fifo.write(frame)
        yield from drain(True)
        if writer.fill:
            yield writer.hand_out()
    finally:
        container.close()
    if info.samples_read == 0:
        raise MediaError("zero duration: no audio samples could be decoded")
    truncation_check(info)


def _joined(frames: list[Any]) -> Any:
    """Several frames of one format as one (what a resampler returns for one input frame)."""
    fifo = av.AudioFifo()
    for f in frames:
        f.pts = None
        fifo.write(f)
    return fifo.read()
