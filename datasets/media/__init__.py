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
``audio.analyze_audio(path, out_dir, levels=DEFAULT_LEVELS, with_fingerprint=True, progress=None) -> AudioAnalysis``
    The waveform pyramid and the perceptual audio hash from one decode pass
    (both bit for bit what ``compute_waveform`` and ``fingerprint.audio_fingerprint`` give alone).
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
``redact.plan_from_regions(regions, offset_ms) -> RedactionPlan`` / ``redact.mask_text(text, spans)``
    What ``redact`` regions remove from one stream (boxes, sound segments) and text masking.
``redact_render.render_video(src, dst, plan, settings, progress)`` / ``render_audio(...)``
    A redacted copy, one decode/encode pass: boxes blurred or filled per frame, sound muted or
    bleeped per sample (MP4 H.264/AAC, or FLAC). ``REDACT_RENDER_VERSION``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Bound here, not lazily: a submodule of the same name would otherwise shadow the function.
from .errors import MediaError
from .probe import PROBE_VERSION, probe
from .sniff import sniff

if TYPE_CHECKING:
    from .frames import FRAMES_VERSION, frame_index
    from .proxy import PROXY_VERSION, make_proxy, needs_proxy, proxy_extension
    from .sync import SYNC_VERSION, estimate_offset
    from .video import VIDEO_ANALYSIS_VERSION, analyze_video
    from .waveform import DEFAULT_LEVELS, WAVEFORM_VERSION, compute_waveform, dat_to_json

# The others are loaded from their module on first use: the web process, which sniffs uploads
# and reads waveforms, then never loads PyAV and Pillow (over 20 MB) for the decoding and video
# analysis that only workers run.
_HOME = {
    "FRAMES_VERSION": "frames", "frame_index": "frames",
    "PROXY_VERSION": "proxy", "make_proxy": "proxy", "needs_proxy": "proxy",
    "proxy_extension": "proxy", "SYNC_VERSION": "sync", "estimate_offset": "sync",
    "VIDEO_ANALYSIS_VERSION": "video", "analyze_video": "video", "DEFAULT_LEVELS": "waveform",
    "WAVEFORM_VERSION": "waveform", "compute_waveform": "waveform", "dat_to_json": "waveform",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


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
