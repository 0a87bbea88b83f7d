"""Which stream roles a schema needs, and which role an uploaded file fills (plain data)."""

from __future__ import annotations

from annotation.demo import DEMO_SCHEMA
from annotation.stream_roles import guess_roles, missing_roles, required_roles, role_kinds


def test_the_demo_schema_needs_mic_video_and_transcript() -> None:
    assert required_roles(DEMO_SCHEMA) == {"mic": ["speech", "words"], "video": ["scene", "faces"],
                                           "transcript": ["entities"]}
    assert role_kinds(DEMO_SCHEMA) == {"mic": "audio", "video": "video", "transcript": "text"}
    assert missing_roles(DEMO_SCHEMA, ["media"]) == [("mic", ["speech", "words"]), ("video", ["scene", "faces"]),
                                                    ("transcript", ["entities"])]
    assert missing_roles(DEMO_SCHEMA, ["video", "mic", "transcript"]) == []


def test_one_file_of_a_kind_fills_the_one_role_of_that_kind() -> None:
    assert guess_roles(DEMO_SCHEMA, ["video", "audio", "text", "image"]) == ["video", "mic", "transcript", None]
    audio_only = {"tracks": [{"name": "speech", "kind": "segment", "stream": "mic"}]}
    assert guess_roles(audio_only, ["video", "audio", "text"]) == ["mic", "mic", None]  # a video's sound track
    two_audio = {"tracks": [{"name": "a", "kind": "segment", "stream": "left"},
                            {"name": "b", "kind": "segment", "stream": "right"}]}
    assert guess_roles(two_audio, ["audio"]) == [None]  # a choice only the manager can make
    assert guess_roles({"tracks": [{"name": "s", "kind": "segment"}]}, ["audio"]) == [None]
