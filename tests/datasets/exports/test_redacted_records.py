"""Which stream each redaction hits, and the masked record a redacted export writes."""

from __future__ import annotations

from datasets.exports.redacted import Rendered, masked_record, rendered_name, stream_redactions, target_role
from datasets.media.redact import MASK_CHAR as M

VIDEO = {"role": "cam", "kind": "video", "uri": "ds/1/cam.mp4", "sha256": "aa"}
AUDIO = {"role": "mic", "kind": "audio", "uri": "ds/1/mic.wav", "sha256": "bb"}
TEXT = {"role": "notes", "kind": "text", "uri": "ds/1/notes.txt", "sha256": "cc"}
IMAGE = {"role": "still", "kind": "image", "uri": "ds/1/still.png", "sha256": "dd"}
SCHEMA = {"tracks": [{"name": "hide", "kind": "redact", "labels": [{"value": "voice"}]},
                     {"name": "hide-cam", "kind": "redact", "stream": "cam", "labels": [{"value": "voice"}]}]}


def test_a_redaction_without_a_stream_goes_to_the_first_stream_of_its_shape() -> None:
    box, seg, span = {"keyframes": []}, {"start_ms": 0, "end_ms": 5}, {"start_char": 0, "end_char": 2}
    assert target_role(None, box, [AUDIO, VIDEO]) == "cam"
    assert target_role(None, seg, [VIDEO, AUDIO]) == "mic"
    assert target_role(None, seg, [VIDEO, TEXT]) == "cam"  # no audio stream: the video's sound
    assert target_role(None, span, [VIDEO, TEXT]) == "notes"
    assert target_role(None, span, [VIDEO]) is None
    assert target_role("cam", seg, [VIDEO, AUDIO]) == "cam"


def test_redactions_are_gathered_from_every_annotation_by_stream() -> None:
    record = {"streams": [VIDEO, AUDIO], "annotations": [
        {"regions": [{"id": "a", "track": "hide", "start_ms": 0, "end_ms": 5}, {"id": "x", "track": "other"}]},
        {"regions": [{"id": "b", "track": "hide-cam", "start_ms": 5, "end_ms": 9}]}]}
    assert {k: [r["id"] for r in v] for k, v in stream_redactions(SCHEMA, record).items()} == {"mic": ["a"],
                                                                                               "cam": ["b"]}


def test_the_masked_record_refers_to_rendered_copies_only() -> None:
    record = {"item_id": 7, "streams": [VIDEO, TEXT, IMAGE], "texts": {"notes": "Bob Ray called"},
              "annotations": [{"regions": [{"id": "s", "track": "hide", "start_char": 0, "end_char": 7,
                                            "text": "Bob Ray"},
                                           {"id": "t", "track": "words", "text": "bob called ray"}]}]}
    assert [rendered_name(record, s) for s in record["streams"]] == ["media/7/cam.mp4", "media/7/notes.txt", None]
    out = masked_record(SCHEMA, record, {"cam": Rendered("media/7/cam.mp4", "ff")})
    assert out["streams"] == [{"role": "cam", "kind": "video", "uri": "media/7/cam.mp4", "sha256": "ff"},
                              {"role": "notes", "kind": "text"}, {"role": "still", "kind": "image"}]
    assert out["texts"] == {"notes": f"{M * 7} called"}
    assert out["annotations"][0]["regions"] == [
        {"id": "s", "track": "hide", "start_char": 0, "end_char": 7},
        {"id": "t", "track": "words", "text": f"{M * 3} called {M * 3}"}]
    assert record["texts"] == {"notes": "Bob Ray called"}  # the input is left as it was
