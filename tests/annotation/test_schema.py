"""Label schema and result validation: every error names the field or region to fix."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from annotation.schema import ResultContext, ResultError, SchemaError, validate_result, validate_schema
from tests.conftest import SCHEMA


def test_a_valid_schema_gets_default_colors() -> None:
    checked = validate_schema(SCHEMA)
    assert checked["tracks"][0]["labels"][0]["color"].startswith("#")
    assert [t["name"] for t in checked["tracks"]] == ["speech", "events", "words", "entities", "faces", "links"]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda s: s.update(tracks=[]), "tracks"),
        (lambda s: s["tracks"][0].update(kind="polygon"), "tracks[0].kind"),
        (lambda s: s["tracks"][1].update(name="speech"), "tracks[1].name"),
        (lambda s: s["tracks"][0]["labels"].append({"value": "speech"}), "tracks[0].labels[2].value"),
        (lambda s: s["tracks"][1]["labels"][0].update(hotkey="1"), "tracks[1].labels[0].hotkey"),
        (lambda s: s["tracks"][0]["labels"][0].update(color="blue"), "tracks[0].labels[0].color"),
        (lambda s: s["tracks"][0]["attributes"][0].update(choices=[]), "tracks[0].attributes[0].choices"),
        (lambda s: s["tracks"][1].update(labels=[]), "tracks[1].labels"),
    ],
)
def test_an_invalid_schema_names_the_bad_field(mutate: Any, field: str) -> None:
    schema = copy.deepcopy(SCHEMA)
    mutate(schema)
    with pytest.raises(SchemaError) as err:
        validate_schema(schema)
    assert err.value.field == field


CTX = ResultContext(duration_ms=10_000, text_lengths={"transcript": 22})


def _result(*regions: dict[str, Any]) -> dict[str, Any]:
    return {"regions": list(regions)}


def test_a_result_with_every_region_kind_is_accepted() -> None:
    result = _result(
        {"id": "a", "track": "speech", "label": "speech", "start_ms": 0, "end_ms": 500, "attributes": {"speaker": "A"}},
        {"id": "b", "track": "events", "label": "clap", "time_ms": 250},
        {"id": "c", "track": "words", "start_ms": 0, "end_ms": 500, "text": "hello"},
        {"id": "d", "track": "entities", "label": "PER", "start_char": 0, "end_char": 5},
        {"id": "e", "track": "faces", "label": "face", "keyframes": [{"time_ms": 0, "x": 0.1, "y": 0.1, "w": 0.5, "h": 0.5}]},
        {"id": "f", "track": "links", "label": "refers_to", "from_id": "d", "to_id": "a"},
    )
    assert validate_result(validate_schema(SCHEMA), result, CTX) == result


@pytest.mark.parametrize(
    ("region", "message"),
    [
        ({"id": "x", "track": "speech", "label": "noise", "start_ms": 0, "end_ms": 5}, "unknown label 'noise'"),
        ({"id": "x", "track": "speech", "label": "speech", "start_ms": 500, "end_ms": 100}, "end_ms (100) must be after start_ms (500)"),
        ({"id": "x", "track": "speech", "label": "speech", "start_ms": 0, "end_ms": 10_001}, "past the item's end (10000 ms)"),
        ({"id": "x", "track": "speech", "label": "speech", "start_ms": 0.5, "end_ms": 100}, "'start_ms' must be an integer"),
        ({"id": "x", "track": "entities", "label": "PER", "start_char": 20, "end_char": 30}, "outside the text (22 characters)"),
        ({"id": "x", "track": "nope", "label": "PER"}, "unknown track 'nope'"),
        ({"id": "x", "track": "links", "label": "refers_to", "from_id": "x", "to_id": "y"}, "'to_id' 'y' names no region"),
        ({"id": "x", "track": "faces", "label": "face", "keyframes": [{"time_ms": 0, "x": 0.9, "y": 0, "w": 0.5, "h": 0.5}]}, "inside the frame"),
        ({"id": "x", "track": "speech", "label": "speech", "start_ms": 0, "end_ms": 5, "attributes": {"speaker": "Z"}}, "attribute 'speaker'"),
    ],
)
def test_an_invalid_region_is_named_in_the_error(region: dict[str, Any], message: str) -> None:
    with pytest.raises(ResultError) as err:
        validate_result(validate_schema(SCHEMA), _result({"id": "ok", "track": "events", "label": "clap", "time_ms": 1}, region), CTX)
    assert err.value.where.startswith("regions[1] (id 'x')")
    assert message in err.value.message


def test_duplicate_region_ids_are_refused() -> None:
    region = {"id": "same", "track": "events", "label": "clap", "time_ms": 1}
    with pytest.raises(ResultError, match="duplicate region id 'same'"):
        validate_result(validate_schema(SCHEMA), _result(region, dict(region)), CTX)


@pytest.mark.parametrize(
    ("result", "where", "key"),
    [
        ({"regions": [], "notes": "x"}, "result", "notes"),
        (_result({"id": "a", "track": "speech", "label": "speech", "start_ms": 0, "end_ms": 5, "color": "#fff"}),
         "regions[0] (id 'a')", "color"),
        (_result({"id": "a", "track": "faces", "label": "face",
                  "keyframes": [{"time_ms": 0, "x": 0.1, "y": 0.1, "w": 0.5, "h": 0.5, "rotation": 90}]}),
         "regions[0] (id 'a').keyframes[0]", "rotation"),
        (_result({"id": "a", "track": "events", "label": "clap", "time_ms": 1,
                  "source": {"model": "vad", "version": "1", "weights": "/tmp/w"}}),
         "regions[0] (id 'a').source", "weights"),
    ],
)
def test_an_unknown_key_is_refused_by_name(result: dict[str, Any], where: str, key: str) -> None:
    with pytest.raises(ResultError) as err:
        validate_result(validate_schema(SCHEMA), result, CTX)
    assert err.value.where == where
    assert err.value.message.startswith(f"unknown key '{key}' (allowed: ")


def test_every_key_the_editor_writes_is_accepted() -> None:
    # An accepted suggestion keeps its `source`; a prediction's region has a `score`; spans carry `text`.
    result = _result(
        {"id": "a", "track": "speech", "label": "speech", "start_ms": 0, "end_ms": 500, "attributes": {"speaker": "A"},
         "source": {"model": "vad", "version": "1"}},
        {"id": "b", "track": "words", "start_ms": 0, "end_ms": 500, "text": "hi", "score": 0.5},
        {"id": "c", "track": "entities", "label": "PER", "start_char": 0, "end_char": 5, "text": "Alice"},
        {"id": "d", "track": "links", "label": "refers_to", "from_id": "c", "to_id": "a"},
    )
    assert validate_result(validate_schema(SCHEMA), result, CTX) == result


def test_more_regions_than_the_limit_are_refused_naming_the_limit() -> None:
    regions = [{"id": f"p{i}", "track": "events", "label": "clap", "time_ms": i} for i in range(4)]
    ctx = ResultContext(duration_ms=10_000, max_regions=3)
    with pytest.raises(ResultError) as err:
        validate_result(validate_schema(SCHEMA), _result(*regions), ctx)
    assert str(err.value) == "result.regions: 4 regions; an annotation holds at most 3 (TANDEM_MAX_REGIONS)"
    assert validate_result(validate_schema(SCHEMA), _result(*regions[:3]), ctx) == _result(*regions[:3])


def _words(*words: tuple[str, int, int]) -> list[dict[str, Any]]:
    return [{"text": t, "start_ms": a, "end_ms": b} for t, a, b in words]


def test_transcript_word_timings_are_accepted_when_they_spell_the_text_inside_the_segment() -> None:
    region = {"id": "w", "track": "words", "start_ms": 100, "end_ms": 900, "text": "good  morning",
              "words": _words(("good", 100, 400), ("morning", 450, 900))}
    assert validate_result(validate_schema(SCHEMA), _result(region), CTX) == _result(region)


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"words": _words(("good", 100, 400))}, "'words' must spell the region's 'text'"),
        ({"words": _words(("good", 100, 400), ("mourning", 400, 900))}, "'words' must spell the region's 'text'"),
        ({"words": _words(("good", 50, 400), ("morning", 400, 900))}, "inside the segment"),
        ({"words": _words(("good", 100, 500), ("morning", 400, 900))}, "without overlap"),
        ({"words": _words(("good", 100, 400), ("morning", 400, 901))}, "inside the segment"),
        ({"words": _words(("good", 400, 400), ("morning", 400, 900))}, "end_ms (400) must be after start_ms (400)"),
        ({"words": _words(("good morning", 100, 900))}, "one word"),
        ({"words": [{"text": "good", "start_ms": 100, "end_ms": 400, "score": 1}]}, "unknown key 'score'"),
        ({"words": "good morning"}, "must be a list"),
    ],
)
def test_bad_word_timings_are_refused_with_the_reason(patch: dict[str, Any], message: str) -> None:
    region = {"id": "w", "track": "words", "start_ms": 100, "end_ms": 900, "text": "good morning", **patch}
    with pytest.raises(ResultError) as err:
        validate_result(validate_schema(SCHEMA), _result(region), CTX)
    assert message in err.value.message


def test_word_timings_belong_to_transcripts_only() -> None:
    region = {"id": "s", "track": "speech", "label": "speech", "start_ms": 0, "end_ms": 500,
              "words": _words(("hi", 0, 500))}
    with pytest.raises(ResultError, match="'words' belongs to transcript regions only"):
        validate_result(validate_schema(SCHEMA), _result(region), CTX)
