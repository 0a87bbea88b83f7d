"""The redacted export on plain records: which redactions hit which stream, and the masked record.

A redacted export ships rendered copies of the media (every redaction applied) in place of the
originals, and records whose text has the redacted characters masked. This module decides, per
record, the redaction regions of each stream and builds the record the writer sees; rendering
the media is :mod:`datasets.media.redact_render`, run by the export job.

Which stream a redaction applies to: its track's ``stream`` when the schema names one; else the
first stream of the record that fits its shape — a box: the first video; a segment: the first
audio stream, else the first video (its sound); a span: the first text stream.

Masking (docs/formats.md, "Redacted export"): each redacted character of a text becomes
``█`` (one for one, so every offset stays right). In the annotations, a span's ``text`` is cut
from the masked text; any other region ``text`` (a transcript line, say) has each redacted
string and each of its words masked wherever they occur, in any case (the words of a
transcript's word timings, and text attributes, too); a redaction region keeps no ``text``. Streams point at the
rendered copies (``media/{item}/{role}.{mp4|flac|txt}``) with their hashes; a stream this
export cannot render (an image) keeps no ``uri`` or ``sha256``, so no original is referred to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from datasets.media.redact import mask_strings, mask_text

REDACT = "redact"
#: Stream kinds rendered, and the extension of the rendered copy.
RENDERED = {"video": "mp4", "audio": "flac", "text": "txt"}
#: Redacted strings shorter than this are not searched for in other texts (a lone letter would
#: mask every word that contains it).
MIN_SECRET = 2

Record = dict[str, Any]


@dataclass(frozen=True)
class Rendered:
    """A rendered copy of one stream: its name in the export and its SHA-256."""

    name: str
    sha256: str


def redact_tracks(schema: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The schema's redact tracks by name."""
    return {t["name"]: t for t in schema.get("tracks", []) if t.get("kind") == REDACT}


def _shape(region: Mapping[str, Any]) -> str:
    if "keyframes" in region:
        return "box"
    return "span" if "start_char" in region else "segment"


def target_role(track_stream: str | None, region: Mapping[str, Any], streams: list[Mapping[str, Any]]) -> str | None:
    """The role of the stream a redaction applies to (None when the record has no fitting stream)."""
    if track_stream:
        return track_stream
    wanted = {"box": ("video",), "segment": ("audio", "video"), "span": ("text",)}[_shape(region)]
    for kind in wanted:
        for stream in streams:
            if stream.get("kind") == kind:
                return str(stream["role"])
    return None


def stream_redactions(schema: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every redaction of the record (from all its annotations), grouped by the stream it hits."""
    tracks = redact_tracks(schema)
    streams = list(record.get("streams", []))
    out: dict[str, list[dict[str, Any]]] = {}
    for annotation in record.get("annotations", []):
        for region in annotation.get("regions", []):
            track = tracks.get(region.get("track"))
            if track is None:
                continue
            role = target_role(track.get("stream"), region, streams)
            if role is not None:
                out.setdefault(role, []).append(region)
    return out


def spans_of(regions: Sequence[Mapping[str, Any]]) -> list[tuple[int, int]]:
    """The ``(start_char, end_char)`` of the span redactions among ``regions``."""
    return [(int(r["start_char"]), int(r["end_char"])) for r in regions if "start_char" in r]


def rendered_name(record: Mapping[str, Any], stream: Mapping[str, Any]) -> str | None:
    """Where the rendered copy of ``stream`` goes in the export (None: not rendered)."""
    ext = RENDERED.get(str(stream.get("kind")))
    if ext is None or not stream.get("uri"):
        return None
    role = re.sub(r"[^A-Za-z0-9._-]+", "-", str(stream["role"])).strip(".-") or "stream"
    return f"media/{record['item_id']}/{role}.{ext}"


def masked_texts(record: Mapping[str, Any], redactions: Mapping[str, list[dict[str, Any]]]) -> dict[str, str]:
    """The record's texts with the spans that redact them masked."""
    return {role: mask_text(text, spans_of(redactions.get(role, []))) for role, text in record.get("texts", {}).items()}


def secrets_of(record: Mapping[str, Any], redactions: Mapping[str, list[dict[str, Any]]]) -> list[str]:
    """The redacted strings of the record's texts and each of their words, longest first.

    The words too: a transcript's word timings hold "Ann" and "Lee" apart, not "Ann Lee".
    """
    found: set[str] = set()
    for role, text in record.get("texts", {}).items():
        for start, end in spans_of(redactions.get(role, [])):
            piece = text[start:end].strip()
            found.update(p for p in (piece, *piece.split()) if len(p) >= MIN_SECRET)
    return sorted(found, key=lambda s: (-len(s), s))


def _masked_region(region: Mapping[str, Any], tracks: Mapping[str, Mapping[str, Any]],
                   redact_names: frozenset[str], texts: Mapping[str, str], secrets: list[str]) -> dict[str, Any]:
    out = dict(region)
    if isinstance(out.get("attributes"), Mapping):  # a text attribute can quote what was redacted
        out["attributes"] = {k: mask_strings(v, secrets) if isinstance(v, str) else v
                             for k, v in out["attributes"].items()}
    if isinstance(out.get("words"), list):
        out["words"] = [{**w, "text": mask_strings(w["text"], secrets)} if isinstance(w.get("text"), str) else w
                        for w in out["words"]]
    if "text" not in out:
        return out
    if out.get("track") in redact_names:
        del out["text"]
        return out
    track = tracks.get(str(out.get("track")), {})
    role: str | None = track.get("stream") or next(iter(texts), None)
    if "start_char" in out and role is not None and role in texts:
        out["text"] = texts[role][int(out["start_char"]):int(out["end_char"])]
    elif isinstance(out["text"], str):
        out["text"] = mask_strings(out["text"], secrets)
    return out


def masked_record(schema: Mapping[str, Any], record: Mapping[str, Any], rendered: Mapping[str, Rendered]) -> Record:
    """The record a redacted export writes: masked texts and region texts, streams on their copies."""
    redactions = stream_redactions(schema, record)
    texts = masked_texts(record, redactions)
    secrets = secrets_of(record, redactions)
    tracks = {t["name"]: t for t in schema.get("tracks", [])}
    redact_names = frozenset(redact_tracks(schema))
    streams = []
    for stream in record.get("streams", []):
        copy = {k: v for k, v in stream.items() if k not in ("uri", "sha256")}
        done = rendered.get(str(stream.get("role")))
        if done is not None:
            copy.update(uri=done.name, sha256=done.sha256)
        streams.append(copy)
    annotations = [{**a, "regions": [_masked_region(r, tracks, redact_names, texts, secrets)
                                     for r in a.get("regions", [])]}
                   for a in record.get("annotations", [])]
    return {**record, "streams": streams, "texts": texts, "annotations": annotations}
