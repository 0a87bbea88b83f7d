"""A pre-labeler's regions as stored: on the mapped track and label, numbered, never empty, checked."""

from __future__ import annotations

from typing import Any

import pytest

from annotation.schema import ResultError
from annotation.services.prelabel import prelabel_regions

SCHEMA: dict[str, Any] = {"tracks": [{"name": "speech", "kind": "segment", "labels": [{"value": "speech"}]},
                                     {"name": "words", "kind": "transcript"}]}


def test_regions_land_on_the_mapped_track_and_label_with_their_own_ids() -> None:
    entry = {"prelabeler": "vad", "track": "speech", "label": "speech"}
    regions = [{"id": "x", "start_ms": 100, "end_ms": 900, "label": "voice", "score": 1},
               {"start_ms": 1000, "end_ms": 1500}]
    assert prelabel_regions(SCHEMA, entry, regions) == [
        {"id": "vad-1", "track": "speech", "label": "speech", "start_ms": 100, "end_ms": 900, "score": 1.0},
        {"id": "vad-2", "track": "speech", "label": "speech", "start_ms": 1000, "end_ms": 1500},
    ]


def test_an_empty_interval_gets_one_millisecond_and_an_unmapped_label_is_dropped() -> None:
    entry = {"prelabeler": "asr", "track": "words"}
    regions = [{"start_ms": 400, "end_ms": 400, "text": "uh", "label": "word"}]
    assert prelabel_regions(SCHEMA, entry, regions) == [
        {"id": "asr-1", "track": "words", "start_ms": 400, "end_ms": 401, "text": "uh"}]


def test_a_region_that_still_breaks_the_schema_is_refused() -> None:
    entry = {"prelabeler": "vad", "track": "speech", "label": "laughter"}
    with pytest.raises(ResultError) as info:
        prelabel_regions(SCHEMA, entry, [{"start_ms": 0, "end_ms": 10}])
    assert str(info.value) == "regions[0] (id 'vad-1'): unknown label 'laughter' for track 'speech'"
