"""End to end in real Chromium (Debian's package, driven by Playwright): the annotator's day."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from annotation.models import Annotation
from annotation.services.annotations import annotation_save
from datasets.tasks import process_asset
from tests.datasets.worker.conftest import ffmpeg
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]




@pytest.fixture
def media_task(project: Any, import_files: Any, tmp_path: Path, annotator_a: Any) -> Any:
    video = tmp_path / "video.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=6", "-f", "lavfi", "-i",
           "sine=frequency=440:duration=6", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
           "-g", "25", "-c:a", "aac", "-shortest", "-movflags", "+faststart", str(video))
    transcript = tmp_path / "transcript.txt"
    transcript.write_text("Alice met Bob in Paris.", encoding="utf-8")
    task, assets = import_files(project, [video, transcript])
    for asset in assets:
        if asset.status == "pending":
            assert process_asset(asset.pk) == "ready"
    return task




def _open_next_task(page: Any, project: Any) -> None:
    page.get_by_test_id(f"start-{project.pk}").click()
    page.wait_for_url("**/annotate/")
    page.wait_for_selector("#tandem-editor[data-ready='true']", timeout=30_000)


def _own_annotation(task: Any, user: Any) -> Annotation:
    return Annotation.objects.get(task=task, annotator=user)


def test_an_annotator_marks_labels_links_reloads_and_submits(page: Any, project: Any, media_task: Any, annotator_a: Any,
                                                             tmp_path: Path) -> None:
    login(page, "annotator_a")
    _open_next_task(page, project)
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.tandemEditor.clock.timeMs > 0", timeout=10_000)
    page.get_by_test_id("play").click()
    page.locator("body").click(position={"x": 5, "y": 880})  # keys go to the editor, not the button

    page.evaluate("window.tandemEditor.clock.seek(1000)")
    page.keyboard.press("[")
    page.evaluate("window.tandemEditor.clock.seek(2200)")
    page.keyboard.press("]")
    page.keyboard.press("1")  # hotkey of label "speech"
    page.wait_for_function("() => window.tandemEditor.result.regions.some(r => r.track === 'speech')")
    stored: list[dict[str, Any]] = []
    for _ in range(75):  # autosave is debounced; poll the database
        stored = [r for r in _own_annotation(media_task, annotator_a).result["regions"] if r["track"] == "speech"]
        if stored:
            break
        page.wait_for_timeout(200)
    shot = tmp_path / "editor.png"  # never into the tree: README screenshots come from scripts/screenshots.py
    page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    assert len(stored) == 1
    frame_ms = 40
    assert abs(stored[0]["start_ms"] - 1000) <= frame_ms and abs(stored[0]["end_ms"] - 2200) <= frame_ms
    assert stored[0]["label"] == "speech"

    page.reload()
    page.wait_for_selector("#tandem-editor[data-ready='true']", timeout=30_000)
    kept = page.evaluate("window.tandemEditor.result.regions.filter(r => r.track === 'speech').length")
    assert kept == 1

    page.get_by_test_id("submit").click()
    for _ in range(50):
        if _own_annotation(media_task, annotator_a).status == "submitted":
            break
        page.wait_for_timeout(200)
    assert _own_annotation(media_task, annotator_a).status == "submitted"


def test_a_save_that_lost_the_race_shows_the_conflict_banner(page: Any, project: Any, media_task: Any, annotator_a: Any) -> None:
    login(page, "annotator_a")
    _open_next_task(page, project)
    page.wait_for_function("() => window.tandemEditor.version >= 1")
    annotation = _own_annotation(media_task, annotator_a)
    # Another tab of the same annotator saves first.
    annotation_save(annotation=annotation, user=annotator_a, version=annotation.version,
                    result={"regions": [{"id": "other", "track": "events", "label": "clap", "time_ms": 500}]})
    page.evaluate("window.tandemEditor.clock.seek(3000)")
    page.keyboard.press(".")  # a point at the playhead, then autosave
    banner = page.get_by_test_id("conflict-banner")
    banner.wait_for(timeout=15_000)
    assert "version" in banner.inner_text().lower()
    assert _own_annotation(media_task, annotator_a).result["regions"][0]["id"] == "other"
