"""The ``redact`` option of an export request (``annotation.services.exports_redact``)."""

from __future__ import annotations

from typing import Any

import pytest

from annotation.models import Project
from annotation.services.exports_redact import validate_redact
from common.errors import InvalidInput
from tests.conftest import SCHEMA

REDACTING = Project(name="p", schema={"tracks": [*SCHEMA["tracks"], {"name": "pii", "kind": "redact",
                                                                     "labels": [{"value": "face"}]}]})


@pytest.mark.parametrize(("value", "normal"), [
    (None, None),
    (False, None),
    (True, {"boxes": "blur", "sound": "mute"}),
    ({}, {"boxes": "blur", "sound": "mute"}),
    ({"boxes": "fill"}, {"boxes": "fill", "sound": "mute"}),
    ({"boxes": "blur", "sound": "tone"}, {"boxes": "blur", "sound": "tone"}),
])
def test_the_option_is_normalised_with_its_defaults(value: Any, normal: dict[str, str] | None) -> None:
    assert validate_redact(REDACTING, value) == normal


@pytest.mark.parametrize(("value", "detail", "field"), [
    ("yes", "'redact' must be true or an object {boxes, sound}.", "redact"),
    ({"boxes": "blur", "voice": "mute"}, "Unknown field 'redact.voice'; use boxes, sound.", "redact.voice"),
    ({"boxes": "pixelate"}, "'redact.boxes' must be one of blur, fill.", "redact.boxes"),
    ({"sound": "bleep"}, "'redact.sound' must be one of mute, tone.", "redact.sound"),
])
def test_a_bad_option_is_a_400_naming_the_field(value: Any, detail: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_redact(REDACTING, value)
    assert (caught.value.detail, caught.value.extra) == (detail, {"field": field})


def test_a_project_without_a_redact_track_cannot_ask_for_redaction() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_redact(Project(name="p", schema=SCHEMA), True)
    assert caught.value.detail == "The project's schema has no redact track, so there is nothing to redact."
    assert validate_redact(Project(name="p", schema=SCHEMA), False) is None
