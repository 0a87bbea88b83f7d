"""Cutting an alignment into utterances: chunks, words per chunk, estimated placement, spans."""

from __future__ import annotations

import numpy as np
import pytest

from annotation.prelabel import chunking
from annotation.prelabel.chunking import (
    BREAK_COST_CLAUSE,
    BREAK_COST_SENTENCE,
    BREAK_COST_WORD,
    Chunk,
    break_cost,
    iter_spans,
    partition,
    speech_chunks,
    spread,
)


def test_short_pauses_join_segments_and_long_ones_separate_utterances() -> None:
    segments = [(100, 400), (550, 900), (2000, 2300), (2700, 3000)]
    assert speech_chunks(segments, join_gap_ms=500) == [
        Chunk(100, 900, ((100, 400), (550, 900))),
        Chunk(2000, 3000, ((2000, 2300), (2700, 3000))),
    ]


def test_a_chunk_over_the_cap_is_split_at_its_longest_pause_and_a_pauseless_one_evenly() -> None:
    segments = [(0, 4000), (4100, 8000), (8400, 12000)]
    assert speech_chunks(segments, max_chunk_ms=10_000) == [
        Chunk(0, 8000, ((0, 4000), (4100, 8000))),
        Chunk(8400, 12000, ((8400, 12000),)),
    ]
    assert speech_chunks([(0, 25_000)], max_chunk_ms=10_000) == [
        Chunk(0, 8333, ((0, 8333),)), Chunk(8333, 16666, ((8333, 16666),)), Chunk(16666, 25000, ((16666, 25000),)),
    ]


def test_punctuation_sets_the_cost_of_ending_a_chunk_after_a_word() -> None:
    assert [break_cost(t) for t in ["noon.", "why?", 'said."', "however,", "the"]] == [
        BREAK_COST_SENTENCE, BREAK_COST_SENTENCE, BREAK_COST_SENTENCE, BREAK_COST_CLAUSE, BREAK_COST_WORD,
    ]


def test_sentences_go_to_the_chunks_whose_length_fits_them() -> None:
    # Three sentences of 6, 2 and 4 words (equal weights) against chunks of 3 s, 1 s and 2 s.
    tokens = ["a", "b", "c", "d", "e", "f.", "g", "h.", "i", "j", "k", "l."]
    groups = partition([1.0] * len(tokens), [break_cost(t) for t in tokens], [3000, 1000, 2000])
    assert groups == [(0, 6), (6, 8), (8, 12)]


def test_a_noise_chunk_gets_no_word_and_punctuation_beats_a_slightly_better_length() -> None:
    tokens = ["one", "two", "three.", "four", "five", "six."]
    # A 200 ms cough between the sentences; the second chunk is a little short for its words.
    groups = partition([1.0] * 6, [break_cost(t) for t in tokens], [3000, 200, 2600])
    assert groups == [(0, 3), (3, 3), (3, 6)]


def test_words_that_fit_no_split_within_the_bounds_go_by_position(monkeypatch: pytest.MonkeyPatch) -> None:
    # With no slack, chunk 1 must end where a 5.9 s word ends, longer than 3 × 1 s + 2 s allows.
    monkeypatch.setattr(chunking, "SLACK_S", 0.0)
    monkeypatch.setattr(chunking, "SLACK_SHARE", 0.0)
    assert partition([1.0, 100.0, 1.0], [4.0, 4.0, 4.0], [1000, 5000]) == [(0, 1), (1, 3)]


def test_spread_shares_speech_by_weight_and_skips_pauses() -> None:
    assert spread([1.0, 1.0, 2.0], [(0, 1000)]) == [(0, 250), (250, 500), (500, 1000)]
    # 600 ms of speech in two parts: the second word starts after the pause.
    assert spread([1.0, 1.0], [(0, 300), (500, 800)]) == [(0, 300), (500, 800)]
    assert spread([1.0, 2.0, 1.0], [(0, 300), (500, 800)]) == [(0, 150), (150, 650), (650, 800)]


def test_iter_spans_gives_each_span_as_sliced_from_the_whole_audio() -> None:
    audio = np.arange(10_000, dtype=np.float32)
    blocks = [audio[i : i + 1500] for i in range(0, audio.size, 1500)]
    spans = [(0, 100), (50, 4000), (3000, 3100), (6000, 9000), (9500, 12_000)]
    got = list(iter_spans(iter(blocks), spans))
    assert [g.tolist() for g in got] == [audio[s:e].tolist() for s, e in spans]
