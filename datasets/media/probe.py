"""Probe: what a file is, whether the browser can play it, and whether it is broken.

Probing runs on every upload before anything else, so it must be cheap on a
healthy three-hour file and precise on a broken one. It reads headers and the
last second of packets (a seek, not a scan): a file whose index promises more
than its bytes hold is caught there, and only then is the file demuxed from
the start (packets only, no decoding) to report where it really stops.
"""

from __future__ import annotations

import codecs
import json
import os
from fractions import Fraction
from typing import Any

from .errors import MediaError
from .sniff import EXT_KIND, SNIFF_BYTES, name_mismatch, sniff_bytes

PROBE_VERSION = "1"

_PLAYABLE: dict[str, set[str]] = {
    "mp4": {"h264", "vp9", "aac", "mp3", "opus", "flac"},
    "m4a": {"aac", "mp3", "opus", "flac"},
    "webm": {"vp9", "vp8", "opus", "vorbis"},
    "mp3": {"mp3"},
    "ogg": {"opus", "vorbis", "flac"},
    "wav": {"pcm_s16le", "pcm_u8", "pcm_f32le"},
}
_BROWSER_PIX_FMTS = {"yuv420p", "yuvj420p"}


def _check_label(path: str, kind: str) -> None:
    """Reject a file whose extension names another family than its content."""
    problem = name_mismatch(path, kind)
    if problem:
        raise MediaError(f"mislabeled: {problem}")


def probe(path: str) -> dict[str, Any]:
    """Describe the file at ``path`` as a JSON-serialisable dict.

    Keys: ``kind`` (video|audio|image|text), ``container``, ``duration_ms``
    (int, floor), ``size`` (bytes), ``streams`` (list of dicts with ``index``,
    ``type``, ``codec``, ``fps``, ``width``, ``height``, ``pix_fmt``,
    ``sample_rate``, ``channels``, ``bit_rate``, ``duration_ms``),
    ``browser_playable`` and, for text, ``chars`` and ``lines``; for images,
    ``width`` and ``height``. Raises :class:`MediaError` for empty, unknown,
    mislabeled, corrupt, truncated, zero-duration or stream-less files.
    """
    size = os.path.getsize(path)
    if size == 0:
        raise MediaError("file is empty")
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    kind = sniff_bytes(head)
    _check_label(path, kind)
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    if kind == "text" or (kind == "unknown" and EXT_KIND.get(ext) == "text" and b"\x00" not in head):
        return _probe_text(path, head, size)
    if kind == "image":
        return _probe_image(path, size)
    if kind == "unknown":
        raise MediaError("unsupported format: not a recognised audio, video, image or text file")
    return _probe_av(path, head, size)


def _probe_text(path: str, head: bytes, size: int) -> dict[str, Any]:
    decoder = codecs.getincrementaldecoder("utf-8")()
    chars = lines = 0
    offset = 0
    with open(path, "rb") as fh:
        while True:
            block = fh.read(1 << 20)
            final = not block
            try:
                text = decoder.decode(block, final=final)
            except UnicodeDecodeError as exc:
                raise MediaError(f"text is not valid UTF-8 (bad byte at offset {offset + max(exc.start, 0)}); save it as UTF-8") from exc
            chars += len(text)
            lines += text.count("\n")
            offset += len(block)
            if final:
                break
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"WEBVTT"):
        container = "vtt"
    elif b"-->" in head[:2048] and stripped[:1].isdigit():
        container = "srt"
    elif stripped[:1] in (b"{", b"["):
        container = "json"
        if size <= 64 << 20:
            try:
                with open(path, encoding="utf-8-sig") as fh:
                    json.load(fh)
            except ValueError as exc:
                raise MediaError(f"invalid JSON transcript: {exc}") from exc
    else:
        container = "txt"
    if chars == 0:
        raise MediaError("file is empty")
    return {
        "kind": "text",
        "container": container,
        "duration_ms": 0,
        "size": size,
        "chars": chars,
        "lines": lines + (0 if chars and text.endswith("\n") else 1),
        "streams": [],
        "browser_playable": True,
    }


def _probe_image(path: str, size: int) -> dict[str, Any]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            width, height = img.size
            fmt = (img.format or "").lower()
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise MediaError(f"corrupt or unsupported image ({exc})") from exc
    if width <= 0 or height <= 0:
        raise MediaError("image has zero size")
    return {
        "kind": "image",
        "container": fmt,
        "duration_ms": 0,
        "size": size,
        "width": width,
        "height": height,
        "streams": [],
        "browser_playable": fmt in ("png", "jpeg", "gif", "webp", "bmp"),
    }


def _container_label(container: Any, head: bytes) -> str:
    name = container.format.name
    if name.startswith("mov,mp4"):
        brand = str(container.metadata.get("major_brand", "")).strip().lower()
        if brand == "qt":
            return "mov"
        if brand in ("m4a", "m4b"):
            return "m4a"
        return "mp4"
    if name.startswith("matroska"):
        return "webm" if b"webm" in head[:64] else "mkv"
    return str(name.split(",")[0])


def _is_attached_picture(stream: Any) -> bool:
    try:
        return bool(int(getattr(stream, "disposition", 0) or 0) & 0x400)  # AV_DISPOSITION_ATTACHED_PIC
    except (TypeError, ValueError):
        return False


def _stream_info(stream: Any) -> dict[str, Any]:
    cc = stream.codec_context
    info: dict[str, Any] = {
        "index": stream.index,
        "type": stream.type,
        "codec": cc.codec.canonical_name if cc is not None else None,
        "bit_rate": int(stream.bit_rate or cc.bit_rate or 0) or None,
        "duration_ms": int(stream.duration * stream.time_base * 1000) if stream.duration and stream.time_base else None,
        "fps": None,
        "width": None,
        "height": None,
        "pix_fmt": None,
        "sample_rate": None,
        "channels": None,
    }
    if stream.type == "video":
        rate = stream.average_rate or stream.guessed_rate
        info.update(
            fps=round(float(rate), 3) if rate else None,
            width=int(cc.width) or None,
            height=int(cc.height) or None,
            pix_fmt=cc.pix_fmt,
            frames=int(stream.frames) or None,
        )
    elif stream.type == "audio":
        info.update(sample_rate=int(cc.sample_rate) or None, channels=int(cc.channels) or None)
    return info


def _packet_end_us(packet: Any, start_us: int) -> int | None:
    if packet.pts is None or packet.time_base is None:
        return None
    end = packet.pts + (packet.duration or 0)
    return int(Fraction(end) * packet.time_base * 1_000_000) - start_us


def _scan_end_us(path: str, start_us: int, streams: list[int]) -> int:
    """Demux every packet (no decoding) and return the furthest end time."""
    import av

    from .pcm import open_av_container

    last = 0
    container = open_av_container(path)
    try:
        chosen = [s for s in container.streams if s.index in streams]
        for packet in container.demux(chosen):
            end = _packet_end_us(packet, start_us)
            if end is not None and end > last:
                last = end
    except av.error.FFmpegError:
        pass  # the damage is the point: report how far the data went
    finally:
        container.close()
    return last


def _tail_end_us(container: Any, duration_us: int, start_us: int, streams: list[Any]) -> int | None:
    """Furthest packet end found after seeking near the end, or None."""
    import av

    try:
        container.seek(max(0, start_us + duration_us - 1_500_000), backward=True, any_frame=False)
        last: int | None = None
        for packet in container.demux(streams):
            end = _packet_end_us(packet, start_us)
            if end is not None and (last is None or end > last):
                last = end
        return last
    except av.error.FFmpegError:
        return None


def _seek_mp3_by_position(container: Any) -> None:
    """Let an MP3 seek to the byte its duration puts the target at.

    Without this FFmpeg seeks an MP3 by reading every packet up to the target (0.5 s of CPU on
    three hours) just to check its last second. Estimating by position cannot hide a cut file: the
    Xing header states the full size, so the estimate points past the end of a shorter file and no
    packet comes back, which sends the probe to its full scan; without a Xing header the duration
    itself is estimated from the size, so no check could tell a cut file from a short one anyway.
    """
    from av.container import Flags

    if container.format.name == "mp3":
        container.flags |= Flags.fast_seek.value


def _check_wav_size(path: str, size: int) -> None:
    """A WAV header states its data size; demuxers quietly clamp it to the file."""
    from .pcm import _parse_wav

    layout = _parse_wav(path)
    if layout is None or not layout.pcm or layout.data_size in (0, 0xFFFFFFFF):
        return
    per_second = layout.sample_rate * layout.channels * layout.bits // 8
    available = max(0, size - layout.data_offset)
    if per_second <= 0 or available >= layout.data_size:
        return
    missing_ms = (layout.data_size - available) * 1000 // per_second
    if missing_ms > max(1000, layout.data_size * 30 // per_second):  # over 1 s and over 3 %
        raise MediaError(
            f"truncated: decoding stopped at {available / per_second:.1f} s of {layout.data_size / per_second:.1f} s"
        )


def _probe_av(path: str, head: bytes, size: int) -> dict[str, Any]:
    # PyAV is loaded by the first probe of audio or video (a worker), not by importing this module,
    # which the web process does to sniff uploads through the package.
    from .pcm import open_av_container

    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        _check_wav_size(path, size)
    container = open_av_container(path)
    try:
        streams = [s for s in container.streams if s.type in ("audio", "video") and not _is_attached_picture(s)]
        if not streams:
            raise MediaError("no audio or video stream found")
        infos = [_stream_info(s) for s in streams]
        kind = "video" if any(s.type == "video" for s in streams) else "audio"
        label = _container_label(container, head)
        start_us = int(container.start_time or 0)
        duration_us = int(container.duration or 0)
        if duration_us <= 0:
            durations = [i["duration_ms"] or 0 for i in infos]
            duration_us = max(durations) * 1000 if durations else 0
        index = [s.index for s in streams]
        if duration_us <= 0:
            duration_us = _scan_end_us(path, start_us, index)
            if duration_us <= 0:
                raise MediaError("zero duration")
        else:
            _seek_mp3_by_position(container)
            tail = _tail_end_us(container, duration_us, start_us, streams)
            tolerance = max(1_000_000, duration_us // 33)
            if tail is None or tail + tolerance < duration_us:
                real = _scan_end_us(path, start_us, index)
                if real + tolerance < duration_us:
                    if real <= 0:
                        raise MediaError(f"truncated: no data could be read of {duration_us / 1e6:.1f} s")
                    raise MediaError(f"truncated: decoding stopped at {real / 1e6:.1f} s of {duration_us / 1e6:.1f} s")
    finally:
        container.close()
    if duration_us < 1000:
        raise MediaError("zero duration")
    playable = label in _PLAYABLE and all(
        i["codec"] in _PLAYABLE[label] and (i["type"] != "video" or i["pix_fmt"] in _BROWSER_PIX_FMTS) for i in infos
    )
    return {
        "kind": kind,
        "container": label,
        "duration_ms": duration_us // 1000,
        "start_ms": start_us // 1000,
        "size": size,
        "bit_rate": int(size * 8 * 1_000_000 // duration_us),
        "streams": infos,
        "browser_playable": playable,
    }
