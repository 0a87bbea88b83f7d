"""One imported region as a region of a project track (``annotation_import_regions.convert``)."""

from __future__ import annotations

from typing import Any

import pytest

from annotation.services.annotation_import_regions import convert
from common.errors import InvalidInput
from datasets.imports import SourceLayer, SourceRegion
from tests.conftest import SCHEMA

TRACKS = {t["name"]: t for t in SCHEMA["tracks"]}


def layer(*regions: SourceRegion) -> SourceLayer:
    return SourceLayer(file="talk.eaf", item_key="item-0", layer="Speech", regions=list(regions))


def region(value: str, start: int | None = 1000, end: int | None = 2000, **kw: Any) -> SourceRegion:
    return SourceRegion(start_ms=start, end_ms=end, value=value, where="a7", **kw)


def test_a_value_becomes_its_mapped_label_with_times_and_attributes() -> None:
    r = region("spk", extra={"attributes": {"speaker": "A"}, "score": 0.5})
    assert convert(layer(r), r, TRACKS["speech"], {"spk": "speech"}, None) == {
        "track": "speech", "label": "speech", "start_ms": 1000, "end_ms": 2000,
        "score": 0.5, "attributes": {"speaker": "A"}}


def test_an_unmapped_value_takes_the_label_of_the_same_name_in_any_case() -> None:
    r = region("MUSIC")
    assert convert(layer(r), r, TRACKS["speech"], {}, None) == {
        "track": "speech", "label": "music", "start_ms": 1000, "end_ms": 2000}


def test_a_value_mapped_to_null_is_left_out() -> None:
    r = region("noise")
    assert convert(layer(r), r, TRACKS["speech"], {"noise": None}, None) is None


def test_points_transcripts_and_whole_item_labels() -> None:
    clap = region("clap", 750, 750)
    assert convert(layer(clap), clap, TRACKS["events"], {}, None) == {"track": "events", "label": "clap",
                                                                      "time_ms": 750}
    words = region("hello there")
    assert convert(layer(words), words, TRACKS["words"], {}, None) == {
        "track": "words", "start_ms": 1000, "end_ms": 2000, "text": "hello there"}
    whole = region("speech", None, None, whole_item=True)
    assert convert(layer(whole), whole, TRACKS["speech"], {}, 9000) == {
        "track": "speech", "label": "speech", "start_ms": 0, "end_ms": 9000}


@pytest.mark.parametrize(("source", "track", "labels", "duration", "message"), [
    (region("laugh"), "speech", {}, None,
     "talk.eaf, tier 'Speech', annotation a7: value 'laugh' is not mapped to a label of track 'speech'"),
    (region("spk"), "speech", {"spk": "shout"}, None,
     "talk.eaf, tier 'Speech', annotation a7: value 'spk' is mapped to 'shout', which is not a label of "
     "track 'speech'"),
    (region("clap", None, None), "events", {}, None,
     "talk.eaf, tier 'Speech', annotation a7: has no time, which a point needs"),
    (region("speech", None, None, whole_item=True), "speech", {}, None,
     "talk.eaf, tier 'Speech', annotation a7: a label of the whole item becomes a segment over the item's "
     "duration, which is not known yet (its media is still being processed); import it once the item is ready"),
    (region("refers_to"), "links", {}, None,
     "talk.eaf, tier 'Speech', annotation a7: track 'links' is a relation track, and this is not a relation"),
])
def test_a_region_that_cannot_go_on_the_track_is_a_400_naming_it(
        source: SourceRegion, track: str, labels: dict[str, Any], duration: int | None, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        convert(layer(source), source, TRACKS[track], labels, duration)
    assert caught.value.detail == message
    assert caught.value.extra == {"file": "talk.eaf", "tier": "Speech", "annotation": "a7"}
