"""PocketSphinx forced alignment against words whose boundaries are known by construction."""

from __future__ import annotations

from pathlib import Path

from annotation.prelabel import align
from annotation.prelabel.base import check_region
from annotation.prelabel.scoring import boundary_errors_ms

TOLERANCE_MS = 120


def test_every_word_lands_within_tolerance_of_where_it_was_spoken(spaced_words: tuple[Path, list, list]) -> None:
    path, words, truth = spaced_words
    [result] = align.run([{"audio": str(path), "text": " ".join(words)}], device="cpu", options={"track": "words"})
    assert result.error is None
    assert [r["text"] for r in result.regions] == words
    found = [(r["start_ms"], r["end_ms"]) for r in result.regions]
    assert max(boundary_errors_ms(truth, found)) <= TOLERANCE_MS
    for region in result.regions:
        check_region(region, "transcript")
        assert region["score"] == 1.0


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
    assert oov["text"] == "zqxjv" and oov["score"] == 0.0
    assert before["end_ms"] == oov["start_ms"] and oov["end_ms"] == after["start_ms"]
    assert [r["score"] for r in result.regions].count(1.0) == len(words)


def test_interpolation_splits_a_gap_evenly_and_keeps_order() -> None:
    spans = [(0, 100), None, None, (400, 500), None]
    assert align.interpolate_gaps(spans, 700) == [
        (0, 100, True), (100, 250, False), (250, 400, False), (400, 500, True), (500, 700, False)
    ]


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


def test_a_transcript_the_decoder_finds_no_path_for_fails_with_a_clear_message(tmp_path: Path) -> None:
    # The bundled acoustic model finds no path through espeak-ng's rendering of this sentence:
    # seg() returns None there, which must end as the item's error, not a TypeError.
    import subprocess

    wav = tmp_path / "other.wav"
    subprocess.run(["espeak-ng", "-s", "160", "-w", str(wav), "The weather today is bright and clear."], check=True)
    [result] = align.run([{"audio": str(wav), "text": "The weather today is bright and clear."}],
                         device="cpu", options={"track": "words"})
    assert result.regions == []
    assert result.error == "RuntimeError: alignment failed: the decoder found no path through the transcript"
