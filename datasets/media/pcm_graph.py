"""Audio decoded by an FFmpeg filter graph, whole chunks of 16-bit planar samples at a time.

Demuxing, decoding, conversion (swresample) and gathering run in C; Python makes one call per
chunk, and that call releases the GIL. The graph stops at a damaged packet or a change of format;
the frame-by-frame reader in ``pcm`` takes over from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import av
import av.filter
import numpy as np

from .pcm_info import PcmInfo, cut_short

_GRAPH_PIECE = 16384  # samples the graph converts to s16p at once


class GraphStopped(Exception):
    """The filter graph handed out something the chunks cannot hold."""


def graph_chunks(path: str, info: PcmInfo, chunk: int, buffers: int) -> Iterator[np.ndarray]:
    """Decode with an FFmpeg filter graph that hands out ``chunk`` samples of s16p at a time.

    Raises ``av.error.FFmpegError`` where the graph stops on an error, and ``GraphStopped`` where
    it ends short of the stated length; either way only whole chunks were handed out (the short
    last one waits for the end to be checked), so the frame reader can take over at a chunk
    boundary. A mono chunk is a view of the graph's own frame (a fresh buffer each time), other
    chunks are copied into ``buffers`` buffers used in turn.
    """
    graph = av.filter.Graph()
    graph.threads = 1  # nothing here is sliced: no idle filter threads
    source = graph.add("amovie", filename=path, streams="a:0", dec_threads="1")
    # Converted 16,384 samples at a time rather than frame by frame (1152 for MP3): fewer, larger
    # swresample calls; ``p=0`` keeps the last piece short instead of padding it with silence.
    grouped = graph.add("asetnsamples", n=str(_GRAPH_PIECE), p="0")
    to_s16 = graph.add("aformat", sample_fmts="s16p")
    sink = graph.add("abuffersink")
    graph.link_nodes(source, grouped, to_s16, sink)
    graph.configure()
    graph.set_audio_frame_size(chunk)
    channels = info.channels
    bufs = [np.empty((channels, chunk), dtype=np.int16) for _ in range(max(1, buffers))] if channels > 1 else []
    turn = 0
    last: np.ndarray | None = None
    while last is None:
        try:
            frame: Any = sink.pull()  # demux, decode, convert and gather a whole chunk, without the GIL
        except EOFError:
            break
        n = frame.samples
        planes = frame.planes
        if len(planes) != channels:
            raise GraphStopped("channel count changes mid-stream")
        if channels == 1:
            out = np.frombuffer(planes[0], np.int16, n).reshape(1, n)
        else:
            out = bufs[turn][:, :n]
            turn = (turn + 1) % len(bufs)
            for c, plane in enumerate(planes):
                out[c] = np.frombuffer(plane, np.int16, n)
        if n < chunk:
            last = out  # only the end of the stream is short
            continue
        info.samples_read += n
        yield out
    if last is not None:
        try:
            sink.pull()
        except EOFError:
            pass
        else:
            raise GraphStopped("a short chunk before the end")
    ended = PcmInfo(info.sample_rate, channels, info.expected_samples,
                    info.samples_read + (0 if last is None else last.shape[1]))
    if not ended.samples_read or cut_short(ended):
        raise GraphStopped("ended short of the stated length")
    if last is not None:
        info.samples_read = ended.samples_read
        yield last
