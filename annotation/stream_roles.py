"""Which streams an item needs under a label schema, and which role an uploaded file most likely fills.

A track that names ``stream: X`` is drawn on the item's stream with role X (its media, or its text
for a span track), so an item without that role cannot be labeled or pre-labeled on that track. A
track that names no stream fits any item. Plain data only: used by the import service and the
manage page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# What a role carries, from the kinds of the tracks drawn on it: boxes need frames, spans need
# text; any other timed track (segments, points, transcripts) needs something with a timeline,
# audio first.
VIDEO, TEXT, AUDIO = "video", "text", "audio"


def required_roles(schema: Mapping[str, Any]) -> dict[str, list[str]]:
    """Role -> the names of the tracks that name it, in schema order."""
    out: dict[str, list[str]] = {}
    for track in schema.get("tracks", []):
        role = track.get("stream")
        if isinstance(role, str) and role:
            out.setdefault(role, []).append(str(track.get("name")))
    return out


def role_kinds(schema: Mapping[str, Any]) -> dict[str, str]:
    """Role -> the kind of file it takes (video, text or audio), judged from the tracks on it."""
    kinds: dict[str, set[str]] = {}
    for track in schema.get("tracks", []):
        role = track.get("stream")
        if isinstance(role, str) and role:
            kinds.setdefault(role, set()).add(str(track.get("kind")))
    return {role: VIDEO if "box" in ks else TEXT if ks == {"span"} else AUDIO for role, ks in kinds.items()}


def missing_roles(schema: Mapping[str, Any], roles: Iterable[str]) -> list[tuple[str, list[str]]]:
    """The required roles not among ``roles``, each with the tracks that need it."""
    have = set(roles)
    return [(role, tracks) for role, tracks in required_roles(schema).items() if role not in have]


def guess_roles(schema: Mapping[str, Any], file_kinds: Sequence[str]) -> list[str | None]:
    """The role each file (by sniffed kind) fills, or None where the schema leaves a choice.

    One video file -> the video role; one audio file -> the audio-bearing role; one text file -> the
    text role. A video file also fills an audio role when the schema has no video role (its sound
    track is what the timed tracks are drawn on). A guess is made only when exactly one role fits.
    """
    kinds = role_kinds(schema)

    def fits(kind: str) -> list[str]:
        exact = [r for r, k in kinds.items() if k == kind]
        if not exact and kind == VIDEO:
            return [r for r, k in kinds.items() if k == AUDIO]
        return exact

    return [(fits(k)[0] if len(fits(k)) == 1 else None) for k in file_kinds]
