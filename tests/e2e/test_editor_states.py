"""In Chromium: the editor says what state an annotation is in, never relabels silently, follows the
playhead, and its keys (Ctrl+S, ?) do what the overlay says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from annotation.models import Annotation
from annotation.services.annotations import annotation_submit
from tests.e2e.conftest import login
from tests.e2e.test_editor import media_task  # noqa: F401  (shared fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _open(page: Any, project: Any) -> None:
    login(page, "annotator_a")
    page.get_by_test_id(f"start-{project.pk}").click()
    page.wait_for_url("**/annotate/")
    page.wait_for_selector("#tandem-editor[data-ready='true']", timeout=30_000)
    page.wait_for_function("() => window.tandemEditor.version >= 1")
    page.locator("body").click(position={"x": 5, "y": 880})  # keys go to the editor, not a button


def _own(task: Any, user: Any) -> Annotation:
    return Annotation.objects.get(task=task, annotator=user)


def _puts(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if r.method == "PUT" and "/api/annotations/" in r.url else None)
    return seen


def _draw(page: Any, lane: str, start_ms: int, end_ms: int) -> str:
    """Drag in a lane from start to end (times mapped through the viewport); the new region's id."""
    box = page.get_by_test_id(f"lane-{lane}").bounding_box()
    x0, x1 = page.evaluate(f"[{start_ms}, {end_ms}].map(t => window.tandemEditor.workbench.viewport.timeToPx(t))")
    before = page.evaluate("window.tandemEditor.result.regions.length")
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + x0, y)
    page.mouse.down()
    page.mouse.move(box["x"] + (x0 + x1) / 2, y, steps=3)
    page.mouse.move(box["x"] + x1, y, steps=3)
    page.mouse.up()
    page.wait_for_function(f"() => window.tandemEditor.result.regions.length === {before + 1}")
    return str(page.evaluate("window.tandemEditor.result.regions.at(-1).id"))


def _label(page: Any, region_id: str) -> str:
    return str(page.evaluate(f"window.tandemEditor.store.get('{region_id}').label"))


def test_submitting_turns_the_editor_read_only_and_nothing_more_is_sent(page: Any, project: Any, media_task: Any,  # noqa: F811
                                                                        annotator_a: Any) -> None:
    _open(page, project)
    page.evaluate("window.tandemEditor.clock.seek(1000)")
    page.keyboard.press(".")
    page.get_by_test_id("submit").click()
    banner = page.get_by_test_id("readonly-banner")
    banner.wait_for(timeout=15_000)
    stored = _own(media_task, annotator_a)
    assert stored.status == "submitted"
    assert banner.locator("strong").inner_text() == f"This annotation is submitted (version {stored.version}); it is read-only."
    assert page.get_by_test_id("submit").is_disabled()

    puts = _puts(page)
    page.evaluate("window.tandemEditor.clock.seek(2000)")
    page.keyboard.press(".")
    lane = page.get_by_test_id("lane-speech").bounding_box()
    page.mouse.move(lane["x"] + 300, lane["y"] + 10)
    page.mouse.down()
    page.mouse.move(lane["x"] + 400, lane["y"] + 10, steps=4)
    page.mouse.up()
    page.wait_for_timeout(2500)  # longer than the autosave debounce
    assert puts == []
    assert page.get_by_test_id("status").inner_text() == "This annotation is submitted: it is read-only"
    assert page.evaluate("window.tandemEditor.result.regions.length") == 1
    assert _own(media_task, annotator_a).version == stored.version

    page.reload()  # reopened: read-only from the start
    page.wait_for_selector("#tandem-editor[data-ready='true']", timeout=30_000)
    assert page.get_by_test_id("readonly-banner").locator("strong").inner_text() == (
        f"This annotation is submitted (version {stored.version}); it is read-only.")
    assert page.get_by_test_id("save-status").inner_text() == "Submitted: read-only"


def test_a_save_refused_because_it_was_submitted_elsewhere_says_so_and_offers_only_reload(
        page: Any, project: Any, media_task: Any, annotator_a: Any) -> None:  # noqa: F811
    _open(page, project)
    annotation = _own(media_task, annotator_a)
    annotation_submit(annotation=annotation, user=annotator_a, version=annotation.version)  # another tab submits
    page.evaluate("window.tandemEditor.clock.seek(3000)")
    page.keyboard.press(".")
    banner = page.get_by_test_id("conflict-banner")
    banner.wait_for(timeout=15_000)
    assert banner.locator("strong").inner_text() == "This annotation is submitted; it can no longer be edited."
    assert banner.get_attribute("data-kind") == "submitted"
    assert [b.get_attribute("data-testid") for b in banner.locator("button").all()] == ["conflict-reload-page"]
    puts = _puts(page)
    page.keyboard.press(".")
    page.wait_for_timeout(1800)
    assert puts == []


def test_label_then_draw_never_relabels_silently(page: Any, project: Any, media_task: Any, annotator_a: Any) -> None:  # noqa: F811
    _open(page, project)
    page.get_by_test_id("label-speech").click()
    a = _draw(page, "speech", 500, 1500)
    page.get_by_test_id("label-music").click()
    assert page.get_by_test_id("status").inner_text() == "Next region: music"
    b = _draw(page, "speech", 2500, 3500)
    assert (_label(page, a), _label(page, b)) == ("speech", "music")

    page.get_by_test_id(f"region-{a}").click()  # the annotator selects A ...
    page.keyboard.press("2")  # ... then picks label 2
    assert _label(page, a) == "music"
    assert page.get_by_test_id("status").inner_text() == "Relabeled speech → music (Ctrl+Z undoes)"
    page.keyboard.press("Control+z")
    assert (_label(page, a), _label(page, b)) == ("speech", "music")


def test_follow_mode_keeps_the_playhead_in_view_while_playing(page: Any, project: Any, media_task: Any,  # noqa: F811
                                                             annotator_a: Any) -> None:
    _open(page, project)
    assert page.get_by_test_id("follow-mode").inner_text() == "Follow: scroll"
    page.evaluate("(() => { const w = window.tandemEditor.workbench; w.viewport.setZoom(1.5, 0, 0); w.viewportChanged(); })()")
    page.evaluate("window.tandemEditor.clock.play()")
    samples = []
    for until in (1500, 2200, 2900, 3600):
        page.wait_for_function(f"() => window.tandemEditor.clock.timeMs > {until}", timeout=15_000)
        samples.append(page.evaluate("""(() => { const w = window.tandemEditor.workbench; const vp = w.viewport;
            const ph = document.querySelector('[data-testid=playhead]');
            return [vp.timeToPx(w.clock.timeMs) / vp.widthPx, vp.startMs, getComputedStyle(ph).display]; })()"""))
    page.evaluate("window.tandemEditor.clock.pause()")
    ratios = [s[0] for s in samples]
    assert all(abs(r - 0.3) < 0.03 for r in ratios), samples  # the playhead stays put ...
    assert [s[1] for s in samples] == sorted(s[1] for s in samples) and samples[-1][1] - samples[0][1] > 1500  # ... the view moves
    assert {s[2] for s in samples} == {"block"}

    page.keyboard.press("Shift+F")
    assert page.get_by_test_id("follow-mode").inner_text() == "Follow: page"

    # the waveform overview spans the whole row (the recording is as long as the item)
    drawn, box, row = page.evaluate("""(() => { const o = document.querySelector('[data-testid=waveform-overview]');
        return [o.querySelector('.konvajs-content').clientWidth, o.clientWidth, o.parentElement.clientWidth]; })()""")
    assert drawn == box == row, (drawn, box, row)


def test_ctrl_s_saves_at_once(page: Any, project: Any, media_task: Any, annotator_a: Any) -> None:  # noqa: F811
    _open(page, project)
    version = page.evaluate("window.tandemEditor.version")
    page.evaluate("window.tandemEditor.clock.seek(1200)")
    with page.expect_request(lambda r: r.method == "PUT" and "/api/annotations/" in r.url, timeout=700):  # debounce: 1000 ms
        page.keyboard.press(".")
        page.keyboard.press("Control+s")
    page.wait_for_function(f"() => window.tandemEditor.version === {version + 1}")
    assert page.get_by_test_id("status").inner_text() == f"Saved (version {version + 1})"
    assert [r["time_ms"] for r in _own(media_task, annotator_a).result["regions"]] == [1200]


def test_question_mark_shows_every_key_from_the_keymap(page: Any, project: Any, media_task: Any,  # noqa: F811
                                                       annotator_a: Any, tmp_path: Path) -> None:
    _open(page, project)
    overlay = page.get_by_test_id("keys-overlay")
    assert not overlay.is_visible()
    page.keyboard.press("?")
    overlay.wait_for(state="visible")
    page.screenshot(path=str(tmp_path / "editor-keys-overlay.png"))  # never into the tree
    keys = overlay.locator("kbd").all_inner_texts()
    assert len(keys) == page.evaluate("window.tandemEditor.shell.keymap.bindings.size")
    for key in ("=", "-", "Esc", "Ctrl+S", "?", "Shift+F", "Space", "1", "2"):
        assert key in keys, key
    legend = page.get_by_test_id("keys-legend").locator("kbd").all_inner_texts()
    assert legend == keys
    assert "Hotkeys taken" not in page.get_by_test_id("status").inner_text()
    page.keyboard.press("Escape")
    overlay.wait_for(state="hidden")


def test_a_reviewer_who_does_not_hold_the_task_sees_it_view_only_with_the_reason(page: Any, media_task: Any,  # noqa: F811
                                                                                 reviewer: Any) -> None:
    login(page, "reviewer")
    puts = _puts(page)
    page.goto(f"/tasks/{media_task.pk}/annotate/")
    page.wait_for_selector("#tandem-editor[data-ready='true']", timeout=30_000)
    banner = page.get_by_test_id("view-only-banner")
    banner.wait_for(timeout=15_000)
    assert banner.inner_text().startswith("View only: You hold no assignment on this task")
    assert banner.get_by_role("link").get_attribute("href") == f"/projects/{media_task.project_id}/"
    assert page.get_by_test_id("submit").is_disabled() and page.get_by_test_id("skip").is_disabled()
    assert page.get_by_test_id("save-status").inner_text() == "View only"

    page.locator("body").click(position={"x": 5, "y": 880})
    page.evaluate("window.tandemEditor.clock.seek(1000)")
    page.keyboard.press(".")
    page.wait_for_timeout(2500)  # longer than the autosave debounce
    assert page.get_by_test_id("status").inner_text() == "View only: you do not hold this task"
    assert page.evaluate("window.tandemEditor.result.regions.length") == 0
    assert puts == []
    assert not Annotation.objects.filter(task=media_task).exists()
