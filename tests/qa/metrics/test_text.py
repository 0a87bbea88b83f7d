"""Span F1, token kappa and word error rate."""

import pytest

from qa.metrics import span_f1, token_kappa, tokenize, word_error_rate
from qa.metrics.text import normalize_transcript

TEXT = "Alice met Bob in Paris yesterday"


def test_exact_span_f1_needs_identical_offsets_and_label() -> None:
    ref = [(0, 5, "PER"), (10, 13, "PER"), (17, 22, "LOC")]
    cand = [(0, 5, "PER"), (10, 13, "ORG"), (16, 22, "LOC")]
    m = span_f1(ref, cand, "exact")
    assert m.pairs == [(0, 0, 1.0)]
    assert m.f1 == pytest.approx(1 / 3)


def test_overlap_span_f1_credits_boundary_slips_but_not_label_changes() -> None:
    ref = [(0, 5, "PER"), (10, 13, "PER"), (17, 22, "LOC")]
    cand = [(0, 5, "PER"), (10, 13, "ORG"), (16, 22, "LOC")]
    m = span_f1(ref, cand, "overlap")
    assert [(a, b) for a, b, _ in m.pairs] == [(0, 0), (2, 2)]
    assert m.f1 == pytest.approx(2 / 3)


def test_token_kappa_labels_each_token_by_its_covering_span() -> None:
    a = [(0, 5, "PER"), (10, 13, "PER"), (17, 22, "LOC")]
    b = [(0, 5, "PER"), (17, 22, "LOC")]
    # Tokens: Alice met Bob in Paris yesterday -> A: PER O PER O LOC O; B: PER O O O LOC O.
    # Confusion (A rows): PER->PER 1, PER->O 1, O->O 3, LOC->LOC 1; p_o = 5/6.
    # Marginals A: PER 2, O 3, LOC 1; B: PER 1, O 4, LOC 1; p_e = (2*1 + 3*4 + 1*1)/36 = 15/36.
    expected = (5 / 6 - 15 / 36) / (1 - 15 / 36)
    assert token_kappa(a, b, TEXT) == pytest.approx(expected, abs=1e-12)
    assert token_kappa(a, b, tokenize(TEXT)) == token_kappa(a, b, TEXT)


def test_word_error_rate_reproduces_the_jiwer_readme_example() -> None:
    # jiwer README: wer("hello world", "hello duck") == 0.5.
    assert word_error_rate("hello world", "hello duck") == 0.5


def test_word_error_rate_counts_substitutions_and_deletions() -> None:
    # One substitution (sat -> sit) and one deletion (the) over six reference words.
    assert word_error_rate("the cat sat on the mat", "the cat sit on mat") == pytest.approx(2 / 6)


def test_word_error_rate_on_empty_sides() -> None:
    assert word_error_rate("", "") == 0.0
    assert word_error_rate("some words", "") == 1.0
    with pytest.raises(ValueError, match="empty reference"):
        word_error_rate("", "words")


def test_transcripts_are_compared_without_case_or_punctuation() -> None:
    assert normalize_transcript("Hello,  there! It's me.") == "hello there it's me"
