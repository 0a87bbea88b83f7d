"""Silero VAD on generated speech whose silent gaps are known."""

from __future__ import annotations

from pathlib import Path

from annotation.prelabel import vad
from annotation.prelabel.base import check_region
from annotation.prelabel.scoring import frame_f1

OPTIONS = {"track": "speech", "label": "speech"}


def _total_ms(intervals: list[tuple[int, int]]) -> int:
    return intervals[-1][1] + 500


def test_vad_finds_the_spoken_sentences_with_frame_f1_above_0_9(speech_with_gaps: tuple[Path, list]) -> None:
    path, truth = speech_with_gaps
    [result] = vad.run([{"audio": str(path)}], device="cpu", options=OPTIONS)
    assert result.error is None
    found = [(r["start_ms"], r["end_ms"]) for r in result.regions]
    assert frame_f1(truth, found, _total_ms(truth)) > 0.9
    # every segment sits inside one spoken sentence (allowing Silero's 30 ms padding plus its
    # end-of-speech hangover of a few frames, 150 ms in all), and every sentence is at least 90 % covered
    for start, end in found:
        assert any(s - 150 <= start and end <= e + 150 for s, e in truth)
    for s, e in truth:
        covered = sum(max(0, min(e, end) - max(s, start)) for start, end in found)
        assert covered >= 0.9 * (e - s)
    for region in result.regions:
        check_region(region, "segment")
        assert region["track"] == "speech" and region["label"] == "speech"
        assert region["score"] > 0.5


def test_vad_shifts_regions_by_the_stream_offset(speech_with_gaps: tuple[Path, list]) -> None:
    path, _ = speech_with_gaps
    plain, shifted = vad.run(
        [{"audio": str(path)}, {"audio": str(path), "offset_ms": 120}], device="cpu", options=OPTIONS
    )
    assert [(r["start_ms"] + 120, r["end_ms"] + 120) for r in plain.regions] == [
        (r["start_ms"], r["end_ms"]) for r in shifted.regions
    ]


def test_window_size_does_not_change_probabilities_because_state_carries_across_windows(
    speech_with_gaps: tuple[Path, list],
) -> None:
    path, _ = speech_with_gaps
    [(small, n_small)] = vad.speech_probabilities([{"audio": str(path)}], "cpu", window_s=0.5)
    [(large, n_large)] = vad.speech_probabilities([{"audio": str(path)}], "cpu", window_s=30.0)
    assert n_small == n_large
    assert len(small) == len(large)
    assert max(abs(a - b) for a, b in zip(small, large, strict=True)) < 1e-5


def test_batched_items_get_the_same_segments_as_single_items(
    speech_with_gaps: tuple[Path, list], spaced_words: tuple[Path, list, list]
) -> None:
    speech, _ = speech_with_gaps
    words, _, _ = spaced_words
    alone = [vad.run([{"audio": str(p)}], device="cpu", options=OPTIONS)[0] for p in (speech, words)]
    together = vad.run([{"audio": str(speech)}, {"audio": str(words)}], device="cpu", options=OPTIONS)
    for a, b in zip(alone, together, strict=True):
        assert [(r["start_ms"], r["end_ms"]) for r in a.regions] == [(r["start_ms"], r["end_ms"]) for r in b.regions]


def test_a_corrupt_file_fails_only_its_own_item(speech_with_gaps: tuple[Path, list], corrupt_file: Path) -> None:
    path, truth = speech_with_gaps
    [alone] = vad.run([{"audio": str(path)}], device="cpu", options=OPTIONS)
    good, bad, missing = vad.run(
        [{"audio": str(path)}, {"audio": str(corrupt_file)}, {"audio": str(corrupt_file.parent / "nope.wav")}],
        device="cpu",
        options=OPTIONS,
    )
    assert good.error is None and good.regions == alone.regions and len(truth) <= len(good.regions)
    assert bad.error is not None and bad.regions == []
    assert missing.error is not None and "nope.wav" in missing.error


def test_missing_target_track_is_reported_on_every_item(speech_with_gaps: tuple[Path, list]) -> None:
    path, _ = speech_with_gaps
    results = vad.run([{"audio": str(path)}] * 2, device="cpu", options={"label": "speech"})
    assert [r.error for r in results] == ["ValueError: option 'track' is required"] * 2
