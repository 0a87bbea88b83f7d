"""Conflicts on spans, relations, boxes and transcripts, on small cases worked out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from qa.metrics.conflicts import (
    box_conflicts,
    match_regions,
    relation_conflicts,
    span_conflicts,
    transcript_conflicts,
    word_diff,
)

TEXT = "Alice met Bob in Paris."


def span(rid: str, s: int, e: int, label: str) -> dict[str, Any]:
    return {"id": rid, "track": "entities", "label": label, "start_char": s, "end_char": e}


def box(rid: str, frames: list[tuple[int, float]], label: str = "face") -> dict[str, Any]:
    return {"id": rid, "track": "faces", "label": label,
            "keyframes": [{"time_ms": t, "x": x, "y": 0.1, "w": 0.2, "h": 0.2} for t, x in frames]}


def test_spans_differ_by_label_on_bob_and_by_presence_on_paris() -> None:
    per = {"b": [span("b1", 0, 5, "PER"), span("b2", 10, 13, "ORG")],
           "a": [span("a1", 0, 5, "PER"), span("a2", 10, 13, "PER"), span("a3", 17, 22, "LOC")]}
    assert span_conflicts(per, TEXT) == [
        {"kind": "label", "start_char": 10, "end_char": 13, "labels": {"a": "PER", "b": "ORG"},
         "annotators": ["a", "b"], "text": "Bob"},
        {"kind": "missing", "start_char": 17, "end_char": 22, "labels": {"a": "LOC", "b": None},
         "annotators": ["a"], "text": "Paris"},
    ]


def test_a_boundary_slip_is_a_missing_stretch_of_the_slipped_characters() -> None:
    per = {"a": [span("a1", 0, 5, "PER")], "b": [span("b1", 0, 3, "PER")]}
    assert span_conflicts(per) == [
        {"kind": "missing", "start_char": 3, "end_char": 5, "labels": {"a": "PER", "b": None}, "annotators": ["a"]}]


def test_identical_spans_and_a_single_annotator_have_no_conflict() -> None:
    same = [span("x", 0, 5, "PER")]
    assert span_conflicts({"a": same, "b": same}) == []
    assert span_conflicts({"a": same}) == []


def test_regions_match_across_annotators_by_overlap_on_the_same_track() -> None:
    per = {"a": [span("a1", 0, 5, "PER"), span("a2", 10, 13, "PER")],
           "b": [span("b1", 0, 4, "PER"), span("b2", 17, 22, "LOC"), span("b3", 10, 13, "PER")]}
    assert match_regions(per) == {("a", "a1"): 0, ("a", "a2"): 1, ("b", "b1"): 0, ("b", "b2"): 2, ("b", "b3"): 1}


def test_relations_compare_through_matched_endpoints_and_name_them_by_label_and_text() -> None:
    regions = {"a": [span("a1", 0, 5, "PER"), span("a2", 10, 13, "PER"), span("a3", 17, 22, "LOC")],
               "b": [span("x9", 10, 13, "PER"), span("x7", 0, 5, "PER"), span("x8", 17, 22, "LOC")]}
    relations = {
        "a": [{"id": "r1", "track": "links", "label": "lives_in", "from_id": "a1", "to_id": "a3"},
              {"id": "r2", "track": "links", "label": "knows", "from_id": "a1", "to_id": "a2"},
              {"id": "r3", "track": "links", "label": "lives_in", "from_id": "a2", "to_id": "a3"}],
        "b": [{"id": "q1", "track": "links", "label": "likes", "from_id": "x7", "to_id": "x9"},
              {"id": "q2", "track": "links", "label": "lives_in", "from_id": "x9", "to_id": "x8"}],
    }
    alice = {"track": "entities", "label": "PER", "start_char": 0, "end_char": 5, "text": "Alice"}
    bob = {"track": "entities", "label": "PER", "start_char": 10, "end_char": 13, "text": "Bob"}
    paris = {"track": "entities", "label": "LOC", "start_char": 17, "end_char": 22, "text": "Paris"}
    # Bob lives in Paris in both versions (ids differ, endpoints match): no conflict.
    assert relation_conflicts(relations, regions, TEXT) == [
        {"kind": "missing", "from": alice, "to": paris, "labels": {"a": "lives_in", "b": None}, "annotators": ["a"]},
        {"kind": "label", "from": alice, "to": bob, "labels": {"a": "knows", "b": "likes"}, "annotators": ["a", "b"]},
    ]


def test_a_box_that_drifts_off_its_partner_is_a_low_iou_stretch() -> None:
    # b's box stands still; a's slides 0.1 to the right over a second. IoU = (0.2 - d) / (0.2 + d)
    # with d = 0.1 t / 1000 drops below 0.5 after 666.7 ms; at 1000 ms it is 0.1 / 0.3.
    per = {"a": [box("a1", [(0, 0.1), (1000, 0.2)])], "b": [box("b1", [(0, 0.1), (1000, 0.1)])]}
    assert box_conflicts(per) == [
        {"kind": "iou", "start_ms": 700, "end_ms": 1000, "min_iou": 0.3333, "annotators": ["a", "b"]}]


def test_a_box_that_leaves_its_partner_is_missing_once_they_no_longer_touch() -> None:
    # a's box slides 0.4 in a second: below 0.5 IoU from 200 ms (0.12 / 0.28), apart from 500 ms.
    per = {"a": [box("a1", [(0, 0.1), (1000, 0.5)])], "b": [box("b1", [(0, 0.1), (1000, 0.1)])]}
    assert box_conflicts(per) == [
        {"kind": "missing", "start_ms": 200, "end_ms": 1000, "min_iou": 0.1111, "annotators": ["a", "b"]}]


def test_boxes_that_agree_in_place_but_not_in_label_and_a_stricter_threshold() -> None:
    per = {"a": [box("a1", [(0, 0.1), (400, 0.1)], "face")], "b": [box("b1", [(0, 0.1), (400, 0.12)], "hand")]}
    assert box_conflicts(per) == [
        {"kind": "label", "start_ms": 0, "end_ms": 400, "min_iou": 0.8182, "annotators": ["a", "b"]}]
    per["b"][0]["label"] = "face"
    assert box_conflicts(per) == []
    # d = 0.02 t / 400 passes 0.02 / 1.9 (IoU 0.9) at 210.5 ms: the samples at 300 and 400 ms.
    assert box_conflicts(per, iou=0.9) == [
        {"kind": "iou", "start_ms": 300, "end_ms": 400, "min_iou": 0.8182, "annotators": ["a", "b"]}]


def test_transcripts_differ_in_one_word_and_agree_up_to_case_and_punctuation() -> None:
    per = {"a": [{"id": "a1", "track": "words", "start_ms": 0, "end_ms": 1000, "text": "The cat sat."},
                 {"id": "a2", "track": "words", "start_ms": 2000, "end_ms": 3000, "text": "hello world"}],
           "b": [{"id": "b1", "track": "words", "start_ms": 100, "end_ms": 900, "text": "the hat sat"},
                 {"id": "b2", "track": "words", "start_ms": 2000, "end_ms": 3000, "text": "Hello, world!"}]}
    assert transcript_conflicts(per) == [{
        "kind": "words", "start_ms": 0, "end_ms": 1000, "reference": "a",
        "texts": {"a": "The cat sat.", "b": "the hat sat"}, "wer": {"b": 0.3333},
        "edits": {"b": [{"op": "substitute", "ref": "cat", "hyp": "hat"}]}, "annotators": ["a", "b"],
    }]


def test_a_stretch_one_annotator_left_empty_has_wer_one_and_a_delete() -> None:
    per = {"a": [{"id": "a1", "track": "words", "start_ms": 0, "end_ms": 1000, "text": "good morning"}], "b": []}
    (conflict,) = transcript_conflicts(per)
    assert conflict["wer"] == {"b": 1.0}
    assert conflict["edits"] == {"b": [{"op": "delete", "ref": "good morning", "hyp": ""}]}
    assert conflict["annotators"] == ["a"]


@pytest.mark.parametrize(("ref", "hyp", "edits"), [
    ("a b c", "a x c d", [{"op": "substitute", "ref": "b", "hyp": "x"}, {"op": "insert", "ref": "", "hyp": "d"}]),
    ("one two three", "one three", [{"op": "delete", "ref": "two", "hyp": ""}]),
])
def test_word_diff_lists_jiwer_edits(ref: str, hyp: str, edits: list[dict[str, str]]) -> None:
    assert word_diff(ref, hyp) == edits
