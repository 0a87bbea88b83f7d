"""WER of a pre-label against the submitted transcript, on fixed transcripts with counted edits."""

from __future__ import annotations

import pytest

from qa.metrics.transcript_wer import WerCounts, prelabel_wer, track_text, wer_counts

# The annotator's transcript (reference) and the pre-label (hypothesis), hand-aligned:
#   could you tell us where the station is
#   could you tell   where the nation  is please
# one deletion (us), one substitution (station → nation), one insertion (please): 3 / 8.
REFERENCE = "Could you tell us where the station is?"
HYPOTHESIS = "could you tell where the nation is, please"


def test_counts_and_rate_of_a_fixed_pair() -> None:
    counts = wer_counts(REFERENCE, HYPOTHESIS)
    assert counts == WerCounts(substitutions=1, deletions=1, insertions=1, reference_words=8)
    assert counts.wer == pytest.approx(3 / 8)


def test_case_and_punctuation_are_not_errors() -> None:
    assert wer_counts("Good morning, thanks!", "good morning thanks").wer == 0.0


def test_empty_sides() -> None:
    assert wer_counts("", "two words") == WerCounts(insertions=2)
    assert wer_counts("", "two words").wer is None
    assert wer_counts("three words here", "").wer == 1.0


def test_track_text_is_in_time_order_and_per_track() -> None:
    regions = [
        {"id": "b", "track": "words", "start_ms": 900, "end_ms": 1500, "text": "the station is?"},
        {"id": "a", "track": "words", "start_ms": 0, "end_ms": 900, "text": "Could you tell us where"},
        {"id": "s", "track": "speech", "start_ms": 0, "end_ms": 900, "label": "A"},
    ]
    assert track_text(regions, "words") == REFERENCE
    assert track_text(regions, "speech") == ""


def test_prelabel_wer_per_track_skips_tracks_without_suggested_text() -> None:
    result = {"regions": [
        {"id": "a", "track": "words", "start_ms": 0, "end_ms": 900, "text": "Could you tell us where"},
        {"id": "b", "track": "words", "start_ms": 900, "end_ms": 1500, "text": "the station is?"},
        {"id": "c", "track": "notes", "start_ms": 0, "end_ms": 900, "text": "typed by hand"},
    ]}
    # a word moved across the segment boundary is no error: the track is aligned as one sequence
    prelabel = {"regions": [
        {"id": "p1", "track": "words", "start_ms": 0, "end_ms": 1000, "text": "could you tell where the"},
        {"id": "p2", "track": "words", "start_ms": 1000, "end_ms": 1500, "text": "nation is, please"},
    ]}
    out = prelabel_wer(result, [prelabel], ["words", "notes"])
    assert out == {"words": WerCounts(substitutions=1, deletions=1, insertions=1, reference_words=8)}
    assert (out["words"] + out["words"]).wer == pytest.approx(6 / 16)
