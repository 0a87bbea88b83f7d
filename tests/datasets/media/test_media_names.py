"""A file's name against its content: the content decides, the disagreement is reported."""

from __future__ import annotations

import pytest

from datasets.media.sniff import name_mismatch


@pytest.mark.parametrize(("name", "kind", "expected"), [
    ("interview.mp3", "text", "the file is named .mp3 (audio) but its content is text"),
    ("photo.PNG", "audio", "the file is named .png (image) but its content is audio"),
    ("notes.txt", "video", "the file is named .txt (text) but its content is video"),
    ("voice.mp4", "audio", None),  # audio and video are one family: an .mp4 may hold only sound
    ("clip.webm", "video", None),
    ("notes.txt", "text", None),
    ("data.bin", "text", None),  # an extension we do not know claims nothing
    ("README", "text", None),
    ("song.mp3", "unknown", None),  # unknown content is refused elsewhere, not called mislabeled
])
def test_name_mismatch_names_the_claim_and_the_content(name: str, kind: str, expected: str | None) -> None:
    assert name_mismatch(name, kind) == expected
