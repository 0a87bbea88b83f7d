"""In Chromium: redact tracks are drawn as the shape their stream implies (a box on the video, a
segment on the sound, a span of the text), look like redactions, and new ones save and reload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from annotation.services.annotations import annotation_save
from annotation.services.projects import member_set, project_create
from datasets.tasks import process_asset
from tests.datasets.worker.conftest import ffmpeg
from tests.e2e.test_editor_states import _open, _own

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCHEMA = {"tracks": [
    {"name": "hide-face", "kind": "redact", "stream": "video", "labels": [{"value": "face"}, {"value": "other"}]},
    {"name": "hide-voice", "kind": "redact", "stream": "voice", "labels": [{"value": "voice"}, {"value": "number"}]},
    {"name": "hide-name", "kind": "redact", "stream": "transcript", "labels": [{"value": "name"}, {"value": "address"}]},
]}
BOX = {"id": "rb", "track": "hide-face", "label": "face",
       "keyframes": [{"time_ms": 1000, "x": 0.25, "y": 0.25, "w": 0.5, "h": 0.5}]}
SEGMENT = {"id": "rs", "track": "hide-voice", "label": "number", "start_ms": 3000, "end_ms": 4000}
SPAN = {"id": "rt", "track": "hide-name", "label": "name", "start_char": 0, "end_char": 5}


@pytest.fixture
def redact_task(manager: Any, annotator_a: Any, import_files: Any, tmp_path: Path) -> Any:
    project = project_create(user=manager, name="Redaction", schema=SCHEMA, overlap=1)
    member_set(project=project, user=manager, member=annotator_a, role="annotator")
    video = tmp_path / "video.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=6", "-c:v", "libx264", "-preset", "ultrafast",
           "-pix_fmt", "yuv420p", "-g", "25", "-movflags", "+faststart", str(video))
    voice = tmp_path / "voice.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=6", str(voice))
    transcript = tmp_path / "transcript.txt"
    transcript.write_text("Alice met Bob in Paris.", encoding="utf-8")
    task, assets = import_files(project, [video, voice, transcript])
    for asset in assets:
        if asset.status == "pending":
            assert process_asset(asset.pk) == "ready"
    return project, task


def _overlay_pixel(page: Any, fx: float, fy: float) -> list[int]:
    """The RGBA of the box overlay at a point given in frame fractions (the frame fills the overlay's middle)."""
    return list(page.evaluate("""([fx, fy]) => {
        const c = document.querySelector("[data-testid='box-overlay']");
        const v = document.querySelector("[data-testid='video']");
        const cw = c.clientWidth, ch = c.clientHeight, s = Math.min(cw / v.videoWidth, ch / v.videoHeight);
        const x = (cw - v.videoWidth * s) / 2 + fx * v.videoWidth * s, y = (ch - v.videoHeight * s) / 2 + fy * v.videoHeight * s;
        const dpr = c.width / cw;
        return Array.from(c.getContext('2d').getImageData(Math.round(x * dpr), Math.round(y * dpr), 1, 1).data);
    }""", [fx, fy]))


def test_saved_redactions_show_as_box_segment_and_span_and_a_drawn_one_saves(page: Any, redact_task: Any,
                                                                             annotator_a: Any) -> None:
    project, task = redact_task
    _open(page, project)
    annotation = _own(task, annotator_a)
    annotation_save(annotation=annotation, user=annotator_a, version=annotation.version,
                    result={"regions": [BOX, SEGMENT, SPAN]})
    page.reload()
    page.wait_for_selector("#tandem-editor[data-ready='true']", timeout=30_000)
    page.wait_for_function("() => window.tandemEditor.version >= 2")
    page.locator("body").click(position={"x": 5, "y": 880})

    # each redact track is drawn as its stream's kind
    kinds = page.evaluate("() => ['hide-face', 'hide-voice', 'hide-name'].map("
                          "n => window.tandemEditor.workbench.kindOf(window.tandemEditor.workbench.track(n)))")
    assert kinds == ["box", "segment", "span"]

    # the box is on the video at its keyframe, shaded dark inside (a redaction), and nowhere at 3 s
    page.wait_for_function("() => document.querySelector(\"[data-testid='video']\").videoWidth > 0")
    page.evaluate("() => window.tandemEditor.clock.seek(1000)")
    assert page.evaluate("() => window.tandemEditor.shell.video.boxesAt(1000)") == [
        {"id": "rb", "x": 0.25, "y": 0.25, "w": 0.5, "h": 0.5, "ghost": False}]
    page.wait_for_timeout(100)
    inside = _overlay_pixel(page, 0.4, 0.6)
    assert inside[3] > 100  # the fill covers the frame under the box
    assert _overlay_pixel(page, 0.1, 0.1)[3] == 0  # outside the box the video shows through
    assert page.evaluate("() => window.tandemEditor.shell.video.boxesAt(3000)") == []

    # the segment on its own lane, between 3 s and 4 s; the box's lane holds the box, no text pane span
    seg = page.get_by_test_id("region-rs")
    seg.wait_for()
    lane = page.get_by_test_id("lane-hide-voice").bounding_box()
    x3, x4 = page.evaluate("() => [3000, 4000].map(t => window.tandemEditor.workbench.viewport.timeToPx(t))")
    got = seg.bounding_box()
    assert abs(got["x"] - (lane["x"] + x3)) <= 2 and abs(got["x"] + got["width"] - (lane["x"] + x4)) <= 2
    assert page.get_by_test_id("lane-hide-face").locator("[data-testid='region-rb']").count() == 1
    assert page.get_by_test_id("lane-hide-name").count() == 0  # a text redaction has no lane

    # the span is highlighted in the text pane as a redaction with its reason
    span = page.get_by_test_id("text-transcript").get_by_test_id("span-rt")
    assert span.inner_text() == "Alice"
    assert "redact" in (span.get_attribute("class") or "")
    assert span.get_attribute("data-reason") == "name"

    # pick a reason, draw a new redaction on the voice lane, save, reload: it is kept
    page.get_by_test_id("label-voice").click()
    y = lane["y"] + lane["height"] / 2
    xa, xb = page.evaluate("() => [1000, 2000].map(t => window.tandemEditor.workbench.viewport.timeToPx(t))")
    page.mouse.move(lane["x"] + xa, y)
    page.mouse.down()
    page.mouse.move(lane["x"] + (xa + xb) / 2, y, steps=3)
    page.mouse.move(lane["x"] + xb, y, steps=3)
    page.mouse.up()
    page.wait_for_function("() => window.tandemEditor.result.regions.length === 4")
    new = page.evaluate("() => window.tandemEditor.result.regions.at(-1)")
    assert new["track"] == "hide-voice" and new["label"] == "voice"
    assert "keyframes" not in new and "start_char" not in new
    page.evaluate("() => window.tandemEditor.clock.seek(1000)")
    page.wait_for_timeout(150)
    page.screenshot(path="/tmp/h16/editor-redact.png")
    stored: list[dict[str, Any]] = []
    for _ in range(75):  # autosave is debounced; poll the database
        stored = [r for r in _own(task, annotator_a).result["regions"] if r["id"] == new["id"]]
        if stored:
            break
        page.wait_for_timeout(200)
    assert len(stored) == 1 and stored[0]["label"] == "voice"
    assert abs(stored[0]["start_ms"] - 1000) <= 40 and abs(stored[0]["end_ms"] - 2000) <= 40
    assert page.get_by_test_id("save-status").get_attribute("data-state") != "error"

    page.reload()
    page.wait_for_selector("#tandem-editor[data-ready='true']", timeout=30_000)
    page.get_by_test_id(f"region-{new['id']}").wait_for()
    kept = page.evaluate("() => window.tandemEditor.result.regions.map(r => r.id).sort()")
    assert kept == sorted(["rb", "rs", "rt", new["id"]])
