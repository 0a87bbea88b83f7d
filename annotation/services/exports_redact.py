"""The ``redact`` option of an export request: checked and normalised into the job's params."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from annotation.models import Project
from common.errors import InvalidInput
from datasets.media.redact import BOX_MODES, SOUND_MODES

REDACT_KEYS = ("boxes", "sound")


def validate_redact(project: Project, value: Any) -> dict[str, str] | None:
    """``{"boxes": blur|fill, "sound": mute|tone}`` for ``true`` or an object; None for false/absent.

    A project without a redact track has nothing to redact: asking for it is a 400, not an
    export that silently ships the media as it is.
    """
    if value is None or value is False:
        return None
    if value is True:
        value = {}
    if not isinstance(value, Mapping):
        raise InvalidInput("'redact' must be true or an object {boxes, sound}.", field="redact")
    unknown = sorted(set(value) - set(REDACT_KEYS))
    if unknown:
        raise InvalidInput(f"Unknown field 'redact.{unknown[0]}'; use {', '.join(REDACT_KEYS)}.",
                           field=f"redact.{unknown[0]}")
    boxes, sound = value.get("boxes", "blur"), value.get("sound", "mute")
    if boxes not in BOX_MODES:
        raise InvalidInput(f"'redact.boxes' must be one of {', '.join(BOX_MODES)}.", field="redact.boxes")
    if sound not in SOUND_MODES:
        raise InvalidInput(f"'redact.sound' must be one of {', '.join(SOUND_MODES)}.", field="redact.sound")
    if not any(isinstance(t, Mapping) and t.get("kind") == "redact" for t in project.schema.get("tracks", [])):
        raise InvalidInput("The project's schema has no redact track, so there is nothing to redact.",
                           field="redact")
    return {"boxes": str(boxes), "sound": str(sound)}
