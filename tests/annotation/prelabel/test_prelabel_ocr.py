"""OCR of on-screen text per shot, on a generated video whose shots show known words."""

from __future__ import annotations

from pathlib import Path

from annotation.prelabel import ocr, registry
from annotation.prelabel.base import check_region


def test_each_shot_with_text_gets_a_region_with_the_words_it_shows(titled_video: Path) -> None:
    [result] = ocr.run([{"video": str(titled_video), "boundaries_ms": [2000, 4000], "duration_ms": 6000,
                         "offset_ms": 100}], device="cpu", options={"track": "captions"})
    assert result.error is None
    assert [(r["start_ms"], r["end_ms"], r["text"]) for r in result.regions] == [
        (100, 2100, "WELCOME HOME"), (4100, 6100, "BREAKING NEWS")]
    for region in result.regions:
        check_region(region, "transcript")
        assert 0.6 <= region["score"] <= 1.0


def test_a_missing_video_fails_alone(titled_video: Path, tmp_path: Path) -> None:
    good, bad = ocr.run([{"video": str(titled_video), "boundaries_ms": [], "duration_ms": 1000},
                         {"video": str(tmp_path / "gone.mp4"), "boundaries_ms": [], "duration_ms": 1000}],
                        device="cpu", options={"track": "captions"})
    assert good.error is None and [r["text"] for r in good.regions] == ["WELCOME HOME"]
    assert bad.error is not None and bad.regions == []


def test_ocr_is_a_registered_builtin() -> None:
    prelabeler = registry.get("ocr")
    assert (prelabeler.needs, prelabeler.fills) == (("video",), ("transcript",))
