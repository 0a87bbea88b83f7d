"""Label Studio results beyond time labels: boxes on video and images, relations, choices of the task,
and per-region controls as attributes; odd ones refused by name."""

from __future__ import annotations

import json
from typing import Any

import pytest

from datasets.imports import ImportFormatError, read_annotations
from tests.datasets.imports import samples


def _read(result: list[dict[str, Any]], data: dict[str, Any] | None = None) -> Any:
    task = {"id": 4, "data": data or {"video": "/data/upload/1/clip.mp4"}, "annotations": [{"result": result}]}
    return read_annotations("export.json", json.dumps([task]).encode())


def test_every_result_type_becomes_its_region() -> None:
    layers = read_annotations("p.json", samples.labelstudio_rich_export())
    got = [(la.layer, la.scope, [(r.start_ms, r.end_ms, r.value, r.ref, r.whole_item, r.extra) for r in la.regions])
           for la in layers]
    assert got == [
        ("label", "task 9 annotation 0", [(1000, 2500, "Speech", "a1b2c3", False, {"attributes": {"speaker": "B"}})]),
        # the third keyframe has no time: frame 51 at the task's 25 fps is 2000 ms
        ("box", "task 9 annotation 0", [(0, 2000, "Face", "v9w8x7", False, {"keyframes": [
            {"time_ms": 0, "x": 0.1, "y": 0.2, "w": 0.25, "h": 0.3},
            {"time_ms": 1000, "x": 0.15, "y": 0.2, "w": 0.25, "h": 0.3},
            {"time_ms": 2000, "x": 0.2, "y": 0.225, "w": 0.25, "h": 0.3}]})]),
        ("still", "task 9 annotation 0", [(0, 0, "Face", "r5s6t7", False, {"keyframes": [
            {"time_ms": 0, "x": 0.5, "y": 0.5, "w": 0.125, "h": 0.0625}]})]),
        ("relations", "task 9 annotation 0", [(None, None, "", None, False,
                                               {"from_id": "a1b2c3", "to_id": "v9w8x7"})]),
        ("mood", "task 9 annotation 0", [(None, None, "clap", None, True, {})]),
    ]
    assert {la.item_key for la in layers} == {"5f1c2a9b-interview-1.wav"}


def test_tandems_attribute_entries_attach_to_the_region_of_their_track() -> None:
    layers = _read([
        {"id": "s1", "from_name": "speech", "to_name": "audio", "type": "labels",
         "value": {"start": 0.5, "end": 1.0, "labels": ["speech"]}},
        {"id": "s1", "from_name": "speech:note", "to_name": "audio", "type": "textarea",
         "value": {"start": 0.5, "end": 1.0, "text": ["loud", "room"]}},
        {"id": "s1", "from_name": "speech:snr", "to_name": "audio", "type": "number",
         "value": {"start": 0.5, "end": 1.0, "number": 12.5}},
        {"id": "s1", "from_name": "transcription", "to_name": "audio", "type": "textarea",
         "value": {"start": 0.5, "end": 1.0, "text": ["hello"]}},
    ])
    assert [(la.layer, [(r.value, r.extra) for r in la.regions]) for la in layers] == [
        ("speech", [("speech", {"attributes": {"note": "loud\nroom", "snr": 12.5}})]),
        ("transcription", [("hello", {})]),
    ]


def test_a_task_choice_with_several_values_gives_one_whole_item_label_each() -> None:
    layers = _read([{"id": "c", "from_name": "topics", "to_name": "text", "type": "choices",
                     "value": {"choices": ["news", "sport"]}}])
    assert [(r.value, r.whole_item, r.start_ms) for r in layers[0].regions] == [("news", True, None),
                                                                                ("sport", True, None)]


def test_a_labeled_text_span_keeps_its_characters() -> None:
    layers = _read([{"id": "e1", "from_name": "ner", "to_name": "text", "type": "labels",
                     "value": {"start": 6, "end": 11, "text": "Paris", "labels": ["LOC"]}}])
    region = layers[0].regions[0]
    assert (region.start_ms, region.value, region.extra) == (None, "LOC",
                                                            {"start_char": 6, "end_char": 11, "text": "Paris"})


@pytest.mark.parametrize(("result", "data", "message"), [
    ({"id": "b1", "from_name": "box", "type": "rectanglelabels",
      "value": {"x": 1, "y": 1, "width": 5, "height": 5, "rotation": 30, "rectanglelabels": ["car"]}}, None,
     "export.json, tier 'box', annotation 'b1' (task 4 annotation 0, result[0]): is rotated by 30 degrees; only "
     "upright boxes are imported"),
    ({"id": "b2", "from_name": "box", "type": "videorectangle",
      "value": {"sequence": [{"frame": 3, "x": 1, "y": 1, "width": 5, "height": 5}], "labels": ["car"]}}, None,
     "export.json, tier 'box', annotation 'b2' (task 4 annotation 0, result[0]): a keyframe has no 'time', and no "
     "'frame' with the task's 'fps' to place it"),
    ({"id": "b3", "from_name": "box", "type": "videorectangle", "value": {"sequence": [], "labels": ["car"]}}, None,
     "export.json, tier 'box', annotation 'b3' (task 4 annotation 0, result[0]): a video rectangle needs a non-empty "
     "'sequence' of keyframes"),
    ({"id": "p1", "from_name": "poly", "type": "polygonlabels", "value": {"points": [[1, 2]]}}, None,
     "export.json, tier 'poly', annotation 'p1' (task 4 annotation 0, result[0]): a 'polygonlabels' result is not "
     "imported; imported are choices, labels, rectanglelabels, relation, textarea, videorectangle, and per-region "
     "choices, numbers and text as attributes"),
    ({"from_id": "x", "type": "relation", "labels": []}, None,
     "export.json, tier 'relations', annotation 'x->None' (task 4 annotation 0, result[0]): a relation needs "
     "'from_id' and 'to_id'"),
    ({"id": "c1", "from_name": "mood", "type": "choices", "value": {"choices": []}}, None,
     "export.json, tier 'mood', annotation 'c1' (task 4 annotation 0, result[0]): 'choices' must be a non-empty list "
     "of strings, not []"),
])
def test_odd_results_are_refused_by_file_tier_and_annotation(result: dict[str, Any], data: Any, message: str) -> None:
    with pytest.raises(ImportFormatError) as caught:
        _read([result], data)
    assert str(caught.value) == message


def test_a_per_region_choice_holds_one_value() -> None:
    with pytest.raises(ImportFormatError) as caught:
        _read([{"id": "s1", "from_name": "speech", "type": "labels", "value": {"start": 0, "end": 1, "labels": ["a"]}},
               {"id": "s1", "from_name": "speaker", "type": "choices", "value": {"choices": ["A", "B"]}}])
    assert str(caught.value) == ("export.json, tier 'speaker', annotation 's1' (task 4 annotation 0, result[1]): "
                                 "needs exactly one label in 'choices', has ['A', 'B']")
