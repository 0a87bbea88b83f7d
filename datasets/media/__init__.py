"""Media cores: pure functions over files, streaming in constant memory.

No Django here; workers call these and store what they return. Every
computation declares a version constant; store it with the artifact and
recompute when it changes. Every writer writes under a temporary name in
the output folder and renames into place when complete. ``progress`` is an
optional callable receiving a float 0..100. Bad input raises
:class:`MediaError` with a message meant for people.

Public API
----------
``MediaError(message)``
    The exception for unusable input ("file is empty", "zero duration",
    "truncated: decoding stopped at 12.4 s of 60.0 s", ...).
``sniff(path) -> str``
    ``video|audio|image|text|unknown`` from magic bytes, never the name.
``probe(path) -> dict``
    kind, container, duration_ms (int, floor), size, bit_rate, start_ms,
    streams (codec, fps, width, height, pix_fmt, sample_rate, channels,
    bit_rate, duration_ms), browser_playable; text adds chars and lines,
    images width and height. ``PROBE_VERSION``.
``frame_index(path) -> list[int]``
    Presentation time (ms) of every video frame from packet timestamps
    (demux only, exact for variable frame rate). Rule:
    ``floor((pts * time_base - container_start) * 1000)``. ``FRAMES_VERSION``.
``compute_waveform(path, out_dir, levels=DEFAULT_LEVELS, progress=None) -> dict``
    audiowaveform ``.dat`` v2 min/max pyramid, one file per level
    (``waveform_<spp>.dat``). ``WAVEFORM_VERSION``.
``dat_to_json(dat_bytes) -> dict``
    waveform-data.js JSON (version, channels, sample_rate,
    samples_per_pixel, bits, length, data).
``analyze_video(path, out_dir, progress=None, intervals_ms=(1000, 5000, 30000), thumb_width=160) -> dict``
    One decode pass: frame times, keyframe times, hard cuts and shots with a
    thumbnail each, filmstrip sprite sheets. ``VIDEO_ANALYSIS_VERSION``.
``needs_proxy(probe) -> bool`` / ``make_proxy(path, out_path, probe, progress=None) -> dict``
    H.264/AAC faststart MP4 with a keyframe every second, or AAC ``.m4a``
    for audio-only sources (``proxy_extension(probe)`` picks).
    ``PROXY_VERSION``.
``estimate_offset(path_a, path_b, max_offset_ms=2000, max_seconds=600.0) -> (offset_ms, confidence)``
    How much later events occur in ``b`` than in ``a``, from 1 ms energy
    envelope cross-correlation. ``SYNC_VERSION``.
"""

from .errors import MediaError
from .frames import FRAMES_VERSION, frame_index
from .probe import PROBE_VERSION, probe
from .proxy import PROXY_VERSION, make_proxy, needs_proxy, proxy_extension
from .sniff import sniff
from .sync import SYNC_VERSION, estimate_offset
from .video import VIDEO_ANALYSIS_VERSION, analyze_video
from .waveform import DEFAULT_LEVELS, WAVEFORM_VERSION, compute_waveform, dat_to_json

__all__ = [
    "DEFAULT_LEVELS",
    "FRAMES_VERSION",
    "PROBE_VERSION",
    "PROXY_VERSION",
    "SYNC_VERSION",
    "VIDEO_ANALYSIS_VERSION",
    "WAVEFORM_VERSION",
    "MediaError",
    "analyze_video",
    "compute_waveform",
    "dat_to_json",
    "estimate_offset",
    "frame_index",
    "make_proxy",
    "needs_proxy",
    "probe",
    "proxy_extension",
    "sniff",
]
