"""The redact track kind: reasons as labels, one shape per region, the shape fitting the stream."""

from __future__ import annotations

from typing import Any

import pytest

from annotation.prelabel.base import check_region
from annotation.schema import REDACT_REASONS, ResultContext, ResultError, SchemaError, validate_result, validate_schema

SCHEMA: dict[str, Any] = {"tracks": [
    {"name": "hide", "kind": "redact", "labels": [{"value": r} for r in REDACT_REASONS]},
    {"name": "hide-text", "kind": "redact", "stream": "transcript", "labels": [{"value": "name"}]},
]}
CTX = ResultContext(duration_ms=5000, text_lengths={"transcript": 40})
BOX = {"id": "b", "track": "hide", "label": "face",
       "keyframes": [{"time_ms": 0, "x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2},
                     {"time_ms": 800, "x": 0.3, "y": 0.1, "w": 0.2, "h": 0.2}]}
SEGMENT = {"id": "s", "track": "hide", "label": "voice", "start_ms": 100, "end_ms": 900}
SPAN = {"id": "t", "track": "hide-text", "label": "name", "start_char": 5, "end_char": 8}


def test_a_redact_track_takes_reasons_as_labels() -> None:
    checked = validate_schema(SCHEMA)
    assert [lab["value"] for lab in checked["tracks"][0]["labels"]] == ["face", "voice", "name", "address", "number",
                                                                        "other"]


@pytest.mark.parametrize(("labels", "field"), [
    ([{"value": "face"}, {"value": "secret"}], "tracks[0].labels[1].value"),
    ([], "tracks[0].labels"),
])
def test_a_redact_track_refuses_other_labels(labels: list[dict[str, str]], field: str) -> None:
    with pytest.raises(SchemaError) as err:
        validate_schema({"tracks": [{"name": "hide", "kind": "redact", "labels": labels}]})
    assert err.value.field == field


def test_boxes_segments_and_spans_are_redactions() -> None:
    result = {"regions": [BOX, SEGMENT, SPAN]}
    assert validate_result(SCHEMA, result, CTX) == result
    for region in (BOX, SEGMENT, SPAN):
        check_region({**region, "score": 0.5}, "redact")


@pytest.mark.parametrize(("region", "message"), [
    ({"id": "x", "track": "hide", "label": "face"}, "a redaction needs exactly one shape"),
    ({**SEGMENT, "keyframes": BOX["keyframes"]}, "a redaction needs exactly one shape"),
    ({**SEGMENT, "start_char": 1, "end_char": 2}, "a redaction needs exactly one shape"),
    ({**SEGMENT, "label": "secret"}, "unknown label 'secret' for track 'hide'"),
    ({**SEGMENT, "end_ms": 6000}, "'end_ms' 6000 ms is past the item's end (5000 ms)"),
    ({**SEGMENT, "end_ms": 50}, "end_ms (50) must be after start_ms (100)"),
    ({**SPAN, "end_char": 41}, "span end 41 is outside the text (40 characters)"),
    ({**BOX, "track": "hide-text", "label": "name"}, "track 'hide-text' redacts the text stream 'transcript'"),
    ({**BOX, "keyframes": [{"time_ms": 0, "x": 0.9, "y": 0.1, "w": 0.2, "h": 0.2}]},
     "box must lie inside the frame"),
])
def test_bad_redactions_are_refused_naming_the_region(region: dict[str, Any], message: str) -> None:
    with pytest.raises(ResultError) as err:
        validate_result(SCHEMA, {"regions": [region]}, CTX)
    assert err.value.where.startswith("regions[0]")
    assert message in err.value.message
