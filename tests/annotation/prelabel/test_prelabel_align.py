"""PocketSphinx forced alignment against words whose boundaries are known by construction."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

import pytest

from annotation.prelabel import align
from annotation.prelabel.base import check_region
from annotation.prelabel.scoring import boundary_errors_ms
from tests.annotation.prelabel.conftest import compose

TOLERANCE_MS = 120
ALIGN_TOLERANCE_MS = 100  # every word boundary of the four sentences (measured: 75 ms at most)
SENTENCE_TOLERANCE_MS = 120  # words of whole-sentence clips against the sentence's interval


def test_every_word_lands_within_tolerance_of_where_it_was_spoken(spaced_words: tuple[Path, list, list]) -> None:
    path, words, truth = spaced_words
    [result] = align.run([{"audio": str(path), "text": " ".join(words)}], device="cpu", options={"track": "words"})
    assert result.error is None
    assert [r["text"] for r in result.regions] == words
    found = [(r["start_ms"], r["end_ms"]) for r in result.regions]
    assert max(boundary_errors_ms(truth, found)) <= TOLERANCE_MS
    for region in result.regions:
        check_region(region, "transcript")
        assert (region["score"], region["method"]) == (1.0, "aligned")


def test_punctuation_and_case_are_ignored_but_kept_in_the_region_text(
    spaced_words: tuple[Path, list, list],
) -> None:
    path, words, truth = spaced_words
    text = " ".join(w.capitalize() for w in words) + " ."
    [result] = align.run([{"audio": str(path), "text": text}], device="cpu", options={"track": "words"})
    assert [r["text"] for r in result.regions] == [w.capitalize() for w in words]
    found = [(r["start_ms"], r["end_ms"]) for r in result.regions]
    assert max(boundary_errors_ms(truth, found)) <= TOLERANCE_MS


def test_a_word_missing_from_the_dictionary_is_interpolated_between_its_neighbours(
    spaced_words: tuple[Path, list, list],
) -> None:
    path, words, _ = spaced_words
    text = " ".join([*words[:4], "zqxjv", *words[4:]])
    [result] = align.run([{"audio": str(path), "text": text}], device="cpu", options={"track": "words"})
    assert result.error is None
    before, oov, after = result.regions[3], result.regions[4], result.regions[5]
    assert (oov["text"], oov["score"], oov["method"]) == ("zqxjv", 0.0, "interpolated")
    assert before["end_ms"] == oov["start_ms"] and oov["end_ms"] == after["start_ms"]
    assert [r["score"] for r in result.regions].count(1.0) == len(words)


def test_interpolation_splits_a_gap_evenly_and_keeps_order() -> None:
    spans = [(0, 100), None, None, (400, 500), None]
    assert align.interpolate_gaps(spans, 700) == [
        (0, 100, True), (100, 250, False), (250, 400, False), (400, 500, True), (500, 700, False)
    ]
    assert align.interpolate_gaps([None, (300, 400)], 500, start_ms=100) == [(100, 300, False), (300, 400, True)]


def test_a_corrupt_file_and_an_unknown_only_transcript_fail_alone(
    spaced_words: tuple[Path, list, list], corrupt_file: Path
) -> None:
    path, words, _ = spaced_words
    good, bad, unknown = align.run(
        [
            {"audio": str(path), "text": " ".join(words)},
            {"audio": str(corrupt_file), "text": "hello"},
            {"audio": str(path), "text": "zqxjv qqzzk"},
        ],
        device="cpu",
        options={"track": "words"},
    )
    assert good.error is None and len(good.regions) == len(words)
    assert bad.error is not None and bad.regions == []
    assert unknown.error == "ValueError: no transcript word is in the English dictionary"


def test_audio_longer_than_the_limit_is_refused(spaced_words: tuple[Path, list, list]) -> None:
    path, words, _ = spaced_words
    [result] = align.run(
        [{"audio": str(path), "text": " ".join(words)}], device="cpu", options={"track": "words", "max_duration_s": 1}
    )
    assert result.error == "ValueError: audio longer than max_duration_s=1"


SENTENCES = [
    "The weather today is bright and clear.",
    "Please send the report before noon.",
    "We will meet again next week.",
    "Every annotator reviews the timeline carefully.",
]
SENTENCE_GAPS_MS = [1000, 2500, 1500, 2000]
WORD_GAP_MS = 60


@pytest.fixture(scope="module")
def four_sentences(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[int, int]]]:
    """The four sentences, each word synthesised alone, 60 ms between words, 1-2.5 s between sentences.

    The whole file and the last sentence alone were the inputs on which a single search over
    the file found no path at all.
    """
    words: list[str] = []
    gaps: list[int] = []
    for sentence, gap in zip(SENTENCES, SENTENCE_GAPS_MS, strict=True):
        spoken = sentence.rstrip(".").lower().split()
        words += spoken
        gaps += [gap] + [WORD_GAP_MS] * (len(spoken) - 1)
    out = tmp_path_factory.mktemp("align") / "four.wav"
    return out, compose(words, gaps, out)


@pytest.fixture(scope="module")
def speech_with_four_sentences(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[int, int]]]:
    """The four sentences each spoken as one clip, 1-2.5 s apart, and their intervals."""
    out = tmp_path_factory.mktemp("align") / "sentences.wav"
    return out, compose(SENTENCES, SENTENCE_GAPS_MS, out)


def test_four_sentences_with_long_pauses_get_every_word_aligned_where_it_was_spoken(
    four_sentences: tuple[Path, list[tuple[int, int]]],
) -> None:
    path, truth = four_sentences
    text = " ".join(SENTENCES)
    [result] = align.run([{"audio": str(path), "text": text}], device="cpu", options={"track": "words"})
    assert result.error is None
    assert [r["text"] for r in result.regions] == text.split()
    assert [(r["method"], r["score"]) for r in result.regions] == [("aligned", 1.0)] * len(truth)
    errors = boundary_errors_ms(truth, [(r["start_ms"], r["end_ms"]) for r in result.regions])
    assert max(errors) <= ALIGN_TOLERANCE_MS
    assert sorted(errors)[len(errors) // 2] <= 40


def test_a_sentence_whose_transcript_was_not_spoken_is_estimated_and_the_others_stay_aligned(
    speech_with_four_sentences: tuple[Path, list[tuple[int, int]]],
) -> None:
    # The audio says "We will meet again next week."; the transcript claims other words there.
    path, truth = speech_with_four_sentences
    claimed = "Seven green apples fell down."
    text = " ".join([*SENTENCES[:2], claimed, SENTENCES[3]])
    [result] = align.run([{"audio": str(path), "text": text}], device="cpu", options={"track": "words"})
    assert result.error is None
    sentence_of = [n for n, s in enumerate([*SENTENCES[:2], claimed, SENTENCES[3]]) for _ in s.split()]
    methods = [r["method"] for r in result.regions]
    assert methods == ["estimated" if n == 2 else "aligned" for n in sentence_of]
    for region, n in zip(result.regions, sentence_of, strict=True):
        start, end = truth[n]
        assert start - SENTENCE_TOLERANCE_MS <= region["start_ms"] < region["end_ms"] <= end + SENTENCE_TOLERANCE_MS
        assert region["score"] == (0.0 if n == 2 else 1.0)
    estimated = [r for r in result.regions if r["method"] == "estimated"]
    assert [r["text"] for r in estimated] == claimed.split()
    # Back to back, each by its phone count: seven 5, green 4, apples 5, fell 3, down 3.
    assert all(a["end_ms"] == b["start_ms"] for a, b in itertools.pairwise(estimated))
    per_phone = (estimated[-1]["end_ms"] - estimated[0]["start_ms"]) / 20
    for region, phones in zip(estimated, [5, 4, 5, 3, 3], strict=True):
        assert abs(region["end_ms"] - region["start_ms"] - phones * per_phone) <= 2


def test_noise_without_speech_spreads_the_words_over_the_file_by_phone_count(tmp_path: Path) -> None:
    noise = tmp_path / "noise.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-y", "-v", "error", "-f", "lavfi", "-i",
                    "anoisesrc=d=3:c=pink:a=0.2:seed=7", "-ar", "16000", str(noise)], check=True)
    [result] = align.run([{"audio": str(noise), "text": "Please send the report before noon."}],
                         device="cpu", options={"track": "words"})
    assert result.error is None
    # 24 phones over 3000 ms: please 4, send 4, the 2, report 6, before 5, noon 3.
    assert [(r["text"], r["start_ms"], r["end_ms"], r["method"], r["score"]) for r in result.regions] == [
        ("Please", 0, 500, "estimated", 0.0), ("send", 500, 1000, "estimated", 0.0),
        ("the", 1000, 1250, "estimated", 0.0), ("report", 1250, 2000, "estimated", 0.0),
        ("before", 2000, 2625, "estimated", 0.0), ("noon.", 2625, 3000, "estimated", 0.0),
    ]


@pytest.mark.parametrize("text", ["", "   ", "... -- !"])
def test_an_empty_transcript_is_refused_with_a_clear_error(
    spaced_words: tuple[Path, list, list], text: str
) -> None:
    path, _, _ = spaced_words
    [result] = align.run([{"audio": str(path), "text": text}], device="cpu", options={"track": "words"})
    assert result.regions == []
    assert result.error == "ValueError: the transcript is empty: there are no words to align"
