"""In Chromium: regions move by their body and resize by their edges (snapped to frames, one undo
step each), boxes have handles and follow their keyframes, and a submitted annotation reopens."""

from __future__ import annotations

from typing import Any

import pytest

from annotation.models import Annotation, Project
from tests.e2e.test_editor import media_task  # noqa: F401  (shared fixture)
from tests.e2e.test_editor_states import _open, _own

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _lane_point(page: Any, lane: str, ms: float) -> tuple[float, float]:
    """The page coordinates of time ms in the middle of a lane."""
    box = page.get_by_test_id(f"lane-{lane}").bounding_box()
    x = page.evaluate(f"() => window.tandemEditor.workbench.viewport.timeToPx({ms})")
    return box["x"] + x, box["y"] + box["height"] / 2


def _cursor_at(page: Any, x: float, y: float) -> str:
    return str(page.evaluate("([x, y]) => getComputedStyle(document.elementFromPoint(x, y)).cursor", [x, y]))


def _segment(page: Any, region_id: str) -> list[int]:
    return list(page.evaluate(f"() => {{ const r = window.tandemEditor.store.get('{region_id}'); return [r.start_ms, r.end_ms]; }}"))


def test_a_segment_moves_by_its_body_and_resizes_by_its_edge_each_one_undo_step(page: Any, project: Any, media_task: Any,  # noqa: F811
                                                                                annotator_a: Any) -> None:
    _open(page, project)
    rid = page.evaluate("() => window.tandemEditor.shell.edits.createSegment('speech', 1000, 2000).id")
    page.wait_for_function("() => document.querySelector(`[data-testid='region-" + rid + "']`) !== null")

    # the body says "grab", the edges "ew-resize" (an 8 px target: 3 px inside the end still resizes)
    body_x, y = _lane_point(page, "speech", 1500)
    page.mouse.move(body_x, y)
    assert _cursor_at(page, body_x, y) == "grab"
    end_x, _ = _lane_point(page, "speech", 2000)
    page.mouse.move(end_x - 3, y)
    assert _cursor_at(page, end_x - 3, y) == "ew-resize"
    page.mouse.move(end_x + 3, y)
    assert _cursor_at(page, end_x + 3, y) == "ew-resize"

    # move: drag the body by 520 ms; the start snaps to the 25 fps frame boundary at 1520 ms
    to_x, _ = _lane_point(page, "speech", 2020)
    page.mouse.move(body_x, y)
    page.mouse.down()
    page.mouse.move((body_x + to_x) / 2, y, steps=3)
    page.mouse.move(to_x, y, steps=3)
    assert _cursor_at(page, to_x, y) == "grabbing"
    page.mouse.up()
    page.wait_for_function(f"() => window.tandemEditor.store.get('{rid}').start_ms !== 1000")
    assert _segment(page, rid) == [1520, 2520]
    page.keyboard.press("Control+z")
    assert _segment(page, rid) == [1000, 2000]

    # resize: drag the end edge to 2800 ms (a frame boundary); the screenshot is taken mid-drag
    end_x, _ = _lane_point(page, "speech", 2000)
    far_x, _ = _lane_point(page, "speech", 2801)
    page.mouse.move(end_x - 2, y)
    page.mouse.down()
    page.mouse.move(far_x - 2, y, steps=5)
    page.wait_for_timeout(100)
    assert page.evaluate("() => window.tandemEditor.shell.lanesView.dragPreview().endMs") == 2800
    assert _segment(page, rid) == [1000, 2000]  # the store changes only on release
    page.screenshot(path="/tmp/editor-segment-resize.png")
    page.mouse.up()
    assert _segment(page, rid) == [1000, 2800]
    page.keyboard.press("Control+z")
    assert _segment(page, rid) == [1000, 2000]
    page.keyboard.press("Control+y")
    assert _segment(page, rid) == [1000, 2800]
    stored: list[Any] = []
    for _ in range(75):  # autosave is debounced; poll the database
        stored = [[r["start_ms"], r["end_ms"]] for r in _own(media_task, annotator_a).result["regions"] if r["id"] == rid]
        if stored == [[1000, 2800]]:
            break
        page.wait_for_timeout(200)
    assert stored == [[1000, 2800]]


def _frac_point(page: Any, fx: float, fy: float) -> tuple[float, float]:
    """Page coordinates of a point of the video frame given in frame fractions."""
    box = page.get_by_test_id("box-overlay").bounding_box()
    r = page.evaluate("() => window.tandemEditor.shell.video.contentRect()")
    return box["x"] + r["x"] + fx * r["w"], box["y"] + r["y"] + fy * r["h"]


def _drag(page: Any, a: tuple[float, float], b: tuple[float, float]) -> None:
    page.mouse.move(*a)
    page.mouse.down()
    page.mouse.move((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, steps=3)
    page.mouse.move(*b, steps=3)
    page.mouse.up()


def _boxes(page: Any, ms: int) -> list[list[float]]:
    got = page.evaluate(f"() => window.tandemEditor.shell.video.boxesAt({ms})")
    return [[round(b["x"], 3), round(b["y"], 3), round(b["w"], 3), round(b["h"], 3)] for b in got]


def test_a_box_resizes_by_a_handle_moves_and_follows_between_its_keyframes(page: Any, project: Any, media_task: Any) -> None:  # noqa: F811
    _open(page, project)
    page.evaluate("() => window.tandemEditor.clock.seek(400)")  # frame 10
    _drag(page, _frac_point(page, 0.2, 0.2), _frac_point(page, 0.4, 0.5))
    page.wait_for_function("() => window.tandemEditor.result.regions.some(r => r.track === 'faces')")
    rid = page.evaluate("() => window.tandemEditor.result.regions.find(r => r.track === 'faces').id")
    assert _boxes(page, 400) == [[0.2, 0.2, 0.2, 0.3]]

    # the selected box has handles: the south-east corner says so with its cursor, and resizes
    se = _frac_point(page, 0.4, 0.5)
    page.mouse.move(*se)
    assert _cursor_at(page, *se) == "nwse-resize"
    _drag(page, se, _frac_point(page, 0.5, 0.6))
    assert _boxes(page, 400) == [[0.2, 0.2, 0.3, 0.4]]
    assert page.evaluate(f"() => window.tandemEditor.store.get('{rid}').keyframes.length") == 1

    # at frame 50 the selected box is held at its keyframe; moving its body writes a keyframe there
    page.evaluate("() => window.tandemEditor.clock.seek(2000)")
    page.wait_for_timeout(100)
    _drag(page, _frac_point(page, 0.3, 0.4), _frac_point(page, 0.5, 0.4))
    keyframes = page.evaluate(f"() => window.tandemEditor.store.get('{rid}').keyframes.map(k => k.time_ms)")
    assert keyframes == [400, 2000]
    assert _boxes(page, 2000) == [[0.4, 0.2, 0.3, 0.4]]

    # halfway between the keyframes the box is halfway between them
    page.evaluate("() => window.tandemEditor.clock.seek(1200)")
    assert _boxes(page, 1200) == [[0.3, 0.2, 0.3, 0.4]]
    page.wait_for_timeout(200)
    page.screenshot(path="/tmp/editor-box-selected.png")

    # each edit was one undo step: the move goes, then the resize
    page.keyboard.press("Control+z")
    assert page.evaluate(f"() => window.tandemEditor.store.get('{rid}').keyframes.length") == 1
    page.keyboard.press("Control+z")
    assert _boxes(page, 400) == [[0.2, 0.2, 0.2, 0.3]]


def test_a_submitted_annotation_reopens_where_the_project_allows_it(page: Any, project: Any, media_task: Any,  # noqa: F811
                                                                 annotator_a: Any) -> None:
    Project.objects.filter(pk=project.pk).update(allow_reopen=True)
    _open(page, project)
    page.get_by_test_id("submit").click()
    banner = page.get_by_test_id("readonly-banner")
    banner.wait_for(timeout=15_000)
    stored = _own(media_task, annotator_a)
    assert (stored.status, stored.version) == ("submitted", 2)

    page.screenshot(path="/tmp/editor-reopen-banner.png")
    banner.get_by_test_id("reopen").click()
    banner.wait_for(state="detached", timeout=15_000)
    assert _own(media_task, annotator_a).status == "draft"
    assert page.get_by_test_id("submit").is_enabled()
    page.locator("body").click(position={"x": 5, "y": 880})
    page.evaluate("() => window.tandemEditor.clock.seek(2000)")
    page.keyboard.press(".")  # a point: the editor takes edits again, and autosave sends them
    for _ in range(75):
        stored = _own(media_task, annotator_a)
        if stored.version == 4:
            break
        page.wait_for_timeout(200)
    assert (stored.status, stored.version) == ("draft", 4)
    assert [r["time_ms"] for r in stored.result["regions"] if r["track"] == "events"] == [2000]


def test_no_reopen_button_where_the_project_does_not_allow_it(page: Any, project: Any, media_task: Any,  # noqa: F811
                                                              annotator_a: Any) -> None:
    _open(page, project)
    page.get_by_test_id("submit").click()
    page.get_by_test_id("readonly-banner").wait_for(timeout=15_000)
    assert page.get_by_test_id("reopen").count() == 0
    assert Annotation.objects.get(task=media_task, annotator=annotator_a).status == "submitted"


def test_reopening_after_review_began_says_why_and_stays_read_only(page: Any, project: Any, media_task: Any,  # noqa: F811
                                                                   annotator_a: Any) -> None:
    from qa.models import ReviewItem

    Project.objects.filter(pk=project.pk).update(allow_reopen=True)
    _open(page, project)
    page.get_by_test_id("submit").click()
    banner = page.get_by_test_id("readonly-banner")
    banner.wait_for(timeout=15_000)
    ReviewItem.objects.create(task=media_task, project_id_cache=project.pk, reasons=[{"kind": "audit"}])
    banner.get_by_test_id("reopen").click()
    refused = banner.get_by_test_id("reopen-refused")
    page.wait_for_function("() => document.querySelector(\"[data-testid='reopen-refused']\").textContent !== ''")
    assert refused.inner_text() == "Review has begun on this task, so it can no longer be reopened."
    assert page.get_by_test_id("submit").is_disabled()
    assert _own(media_task, annotator_a).status == "submitted"
