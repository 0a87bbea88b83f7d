"""Hand each streamed PCM chunk to several consumers, so one decode pass serves them all.

Decoding a long compressed recording costs more than anything computed from its samples, so
every computation that needs the samples (waveform pyramid, perceptual hash) is a consumer fed
from the same chunks rather than a reader that decodes the file again. No Django and no PyAV
here: a consumer sees ``int16[channels, n]`` chunks (see :mod:`datasets.media.pcm`), which are
reused buffers it must copy from if it keeps anything.

Decoding can run a few chunks ahead in a thread of its own (:func:`read_ahead`): the filter-graph
reader holds the GIL only for a moment per chunk (demuxing, decoding and conversion run in C without
it), and numpy and swresample release it while they reduce, transform and resample, so on two cores
the consumers' work hides behind the decoder's instead of adding to it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:  # pcm loads PyAV, which the web process (reading waveforms) never needs
    from .pcm_info import PcmInfo

Progress = Callable[[float], None] | None

#: Chunks the reader thread may hold ready beyond the one being consumed.
AHEAD_DEPTH = 2
#: Buffers a reader must use in turn for :func:`read_ahead` to hand its chunks on without copying
#: them: one being consumed, ``AHEAD_DEPTH`` queued, one being filled.
AHEAD_BUFFERS = AHEAD_DEPTH + 2


class PcmConsumer(Protocol):
    """Something computed from every chunk of a stream, in order."""

    def feed(self, chunk: np.ndarray) -> None: ...


def feed_all(info: PcmInfo, chunks: Iterable[np.ndarray], consumers: Sequence[PcmConsumer],
             progress: Progress = None, ahead: bool = False, buffers: int = 1) -> None:
    """Feed every chunk to every consumer; report progress (0..99, in steps of at least 1 %).

    ``ahead`` decodes in a thread of its own (:func:`read_ahead`), worth its few chunks of memory
    when the consumers' work is comparable to decoding's; ``buffers`` says how many buffers the
    reader uses in turn (``open_pcm``'s argument): with ``AHEAD_BUFFERS``, no chunk is copied.
    """
    expected = info.expected_samples or 0
    last_pct = -1.0
    for chunk in read_ahead(chunks, copy=buffers < AHEAD_BUFFERS) if ahead else chunks:
        for consumer in consumers:
            consumer.feed(chunk)
        if progress is not None and expected:
            pct = min(99.0, 100.0 * info.samples_read / expected)
            if pct - last_pct >= 1.0:
                progress(pct)
                last_pct = pct


def read_ahead(chunks: Iterable[np.ndarray], depth: int = AHEAD_DEPTH, copy: bool = True) -> Iterator[np.ndarray]:
    """The same chunks, read up to ``depth`` chunks ahead by a thread of their own: as copies,
    unless ``copy`` is false because the reader uses ``depth + 2`` buffers in turn (then it never
    writes into a chunk still queued or being consumed). An error of the reader is raised here, in
    order; when the caller stops early, the reader stops and closes its file before this returns.
    """
    items: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(kind: str, value: Any) -> bool:
        while not stop.is_set():
            try:
                items.put((kind, value), timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        source = iter(chunks)
        try:
            for chunk in source:
                if not put("chunk", chunk.copy() if copy else chunk):
                    return
            put("end", None)
        except BaseException as exc:  # handed to the consumer, which raises it
            put("error", exc)
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    reader = threading.Thread(target=read, name="pcm-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            kind, value = items.get()
            if kind == "chunk":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()
        reader.join()
