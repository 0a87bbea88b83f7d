"""Content sniffing from magic bytes; the file name is never trusted.

Uploads arrive with whatever extension a user's tool gave them. The first
bytes decide the kind; ambiguous containers (MP4, Matroska, Ogg) are refined
by their brand or codec headers, and the final audio/video decision is made
by :func:`datasets.media.probe.probe` from the streams themselves.
"""

from __future__ import annotations

import os

SNIFF_BYTES = 64 * 1024

_IMAGE_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",
    b"MM\x00*",
)
_AUDIO_FTYP = (b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B ")


_BITRATES = {
    (3, 3): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (3, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (3, 1): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (2, 3): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (2, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (2, 1): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _frame_length(h: bytes) -> int:
    """Length of the MPEG audio / ADTS frame starting with ``h``; 0 if invalid."""
    if len(h) < 7 or h[0] != 0xFF or (h[1] & 0xE0) != 0xE0:
        return 0
    if (h[1] & 0xF6) == 0xF0:  # ADTS (AAC): sync 0xFFF, layer 0
        return ((h[3] & 3) << 11) | (h[4] << 3) | (h[5] >> 5)
    version, layer = (h[1] >> 3) & 3, (h[1] >> 1) & 3
    bitrate_i, rate_i, pad = h[2] >> 4, (h[2] >> 2) & 3, (h[2] >> 1) & 1
    if version == 1 or layer == 0 or bitrate_i in (0, 15) or rate_i == 3:
        return 0
    kbps = _BITRATES[(3 if version == 3 else 2, layer)][bitrate_i]
    rate = _RATES[version][rate_i]
    if layer == 3:  # Layer I
        return (12 * kbps * 1000 // rate + pad) * 4
    factor = 72 if (layer == 1 and version != 3) else 144
    return factor * kbps * 1000 // rate + pad


def _mpeg_audio_sync(head: bytes) -> bool:
    """Three chained MPEG audio (MP3) or ADTS (AAC) frames at the start.

    One plausible header occurs by chance in random bytes (0xFFE.. is 1 in
    2000), so the frame lengths must chain to further valid headers.
    """
    pos = 0
    for _ in range(3):
        length = _frame_length(head[pos : pos + 7])
        if length < 7:
            return False
        pos += length
        if pos + 7 > len(head):
            return pos >= len(head) - 7 and pos > 0
    return True


def looks_like_text(head: bytes) -> bool:
    """UTF-8 (possibly cut mid-character at the end) with no control bytes."""
    if not head or b"\x00" in head:
        return False
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3 or exc.reason != "unexpected end of data":
            return False
        text = head[: exc.start].decode("utf-8")
    bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    return bad == 0


def sniff_bytes(head: bytes) -> str:
    """Kind of a file from its first bytes: video|audio|image|text|unknown."""
    if not head:
        return "unknown"
    if head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP") or head[:2] == b"BM":
        return "image"
    if head[4:12] in (b"ftypavif", b"ftypheic", b"ftypheix", b"ftypmif1"):
        return "image"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "audio"
    if head[4:8] == b"ftyp":
        return "audio" if head[8:12] in _AUDIO_FTYP else "video"
    if head[4:8] in (b"moov", b"mdat", b"free", b"wide", b"skip"):
        return "video"
    if head[:4] == b"\x1a\x45\xdf\xa3":  # EBML: Matroska / WebM
        return "video" if b"V_" in head else "audio"
    if head[:4] == b"OggS":
        return "video" if (b"\x80theora" in head or b"fishead" in head) else "audio"
    if head[:4] in (b"fLaC", b"MThd") or head[:6] == b"#!AMR\n" or head[:4] == b".snd":
        return "audio"
    if head[:3] == b"ID3" or _mpeg_audio_sync(head):
        return "audio"
    if head[:3] == b"FLV" or head[:4] == b"\x30\x26\xb2\x75" or head[:4] == b"\x00\x00\x01\xba":
        return "video"
    if len(head) >= 377 and head[0] == 0x47 and head[188] == 0x47 and head[376] == 0x47:
        return "video"  # MPEG transport stream
    if looks_like_text(head):
        return "text"
    return "unknown"


# The family a file name's extension claims. Audio and video are one family for this purpose: an
# .mp4 may hold only sound and a .webm only a picture, and the probe sorts those out.
EXT_KIND = {
    **dict.fromkeys(("mp4", "m4v", "mov", "mkv", "webm", "avi", "mpg", "mpeg", "ts", "mts", "wmv", "flv", "3gp", "ogv"), "video"),
    **dict.fromkeys(("wav", "mp3", "m4a", "aac", "flac", "ogg", "oga", "opus", "wma", "aif", "aiff", "amr"), "audio"),
    **dict.fromkeys(("png", "jpg", "jpeg", "gif", "webp", "bmp", "tif", "tiff"), "image"),
    **dict.fromkeys(("txt", "vtt", "srt", "json", "jsonl", "csv", "tsv", "md"), "text"),
}


def _family(kind: str) -> str:
    return "av" if kind in ("audio", "video") else kind


def name_mismatch(name: str, kind: str) -> str | None:
    """How a file's name and its sniffed ``kind`` disagree, or None when they do not.

    ``"the file is named .mp3 (audio) but its content is text"``; an unknown extension or an
    unknown content never disagrees. The content decides what the file becomes; this only says so.
    """
    ext = os.path.splitext(name)[1].lower().lstrip(".")
    claimed = EXT_KIND.get(ext)
    if claimed and kind != "unknown" and _family(claimed) != _family(kind):
        return f"the file is named .{ext} ({claimed}) but its content is {kind}"
    return None


def sniff(path: str | os.PathLike[str]) -> str:
    """Kind of the file at ``path`` (video|audio|image|text|unknown) from its content."""
    with open(path, "rb") as fh:
        return sniff_bytes(fh.read(SNIFF_BYTES))
