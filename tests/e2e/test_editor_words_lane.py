"""In Chromium: a transcript segment's words drawn on its lane, a word boundary dragged there (snapped
to the video's frames, one undo step), a word edited in place on the lane and kept over a reload."""

from __future__ import annotations

from typing import Any

import pytest

from annotation.models import Annotation
from tests.e2e.test_editor import media_task  # noqa: F401  (shared fixture)
from tests.e2e.test_editor_words_relations import SHOTS, _add, _open, _ready, _region, _save, _words

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MS_PER_PX = 5
WORDS = [{"text": "hello", "start_ms": 1000, "end_ms": 1760}, {"text": "big", "start_ms": 1760, "end_ms": 2240},
         {"text": "world", "start_ms": 2240, "end_ms": 3000}]


def _zoom(page: Any) -> None:
    """5 ms a pixel from time 0, so a time's x on the lane is known."""
    page.evaluate(f"""() => {{ const wb = window.tandemEditor.workbench;
        wb.viewport.setZoom({MS_PER_PX}, 0, 0); wb.viewport.scrollTo(0); wb.viewportChanged(); }}""")
    page.wait_for_timeout(100)  # the lanes repaint on the next frame


def _at(page: Any, ms: float) -> tuple[float, float]:
    """The page point over time ms in the middle of the words lane."""
    lane = page.get_by_test_id("lane-words").bounding_box()
    return lane["x"] + ms / MS_PER_PX, lane["y"] + lane["height"] / 2


def _cursor(page: Any) -> str:
    return str(page.evaluate("() => document.querySelector('[data-testid=lane-words]').style.cursor"))


def test_a_word_boundary_is_dragged_and_a_word_edited_on_the_lane(page: Any, project: Any, media_task: Any,  # noqa: F811
                                                                  annotator_a: Any) -> None:
    _open(page, project)
    _add(page, {"id": "t1", "track": "words", "start_ms": 1000, "end_ms": 3000, "text": "hello big world", "words": WORDS})
    _zoom(page)
    page.mouse.click(*_at(page, 2600))  # select the segment by a word's middle
    assert page.evaluate("window.tandemEditor.workbench.selection.id") == "t1"
    page.wait_for_timeout(100)
    lane = page.get_by_test_id("lane-words")
    lane.screenshot(path=f"{SHOTS}/editor-words-on-lane.png")

    # the boundary between "hello" and "big" says it can be dragged; a word's middle does not
    page.mouse.move(*_at(page, 1760))
    assert _cursor(page) == "ew-resize"
    page.mouse.move(*_at(page, 2000))
    assert _cursor(page) == "grab"

    # drag it 160 ms left: the video is 25 fps, so it lands on the frame boundary at 1600 ms
    x, y = _at(page, 1760)
    page.mouse.move(x, y)
    page.mouse.down()
    for ms in (1740, 1700, 1650, 1603):
        page.mouse.move(_at(page, ms)[0], y)
    preview = page.evaluate("window.tandemEditor.shell.lanesView.dragPreview()")
    assert [w["end_ms"] for w in preview["words"]] == [1600, 2240, 3000]
    assert _words(page, "t1") == [["hello", 1000, 1760], ["big", 1760, 2240], ["world", 2240, 3000]]  # not yet
    page.mouse.up()
    assert _words(page, "t1") == [["hello", 1000, 1600], ["big", 1600, 2240], ["world", 2240, 3000]]
    assert _region(page, "t1")["text"] == "hello big world"
    page.keyboard.press("Control+z")  # one step back
    assert _words(page, "t1") == [["hello", 1000, 1760], ["big", 1760, 2240], ["world", 2240, 3000]]
    page.keyboard.press("Control+Shift+z")
    assert _words(page, "t1")[0] == ["hello", 1000, 1600]

    # double click a word on the lane: the word editor opens over it, on the lane; Esc cancels
    page.mouse.dblclick(*_at(page, 2600))
    editor = lane.get_by_test_id("word-editor")
    editor.wait_for()
    assert editor.input_value() == "world"
    box, ln = editor.bounding_box(), lane.bounding_box()
    assert abs(box["x"] - (ln["x"] + 2240 / MS_PER_PX)) <= 1 and ln["y"] <= box["y"] and box["y"] + box["height"] <= ln["y"] + ln["height"]
    editor.fill("word")
    editor.press("Escape")
    assert lane.get_by_test_id("word-editor").count() == 0
    assert _region(page, "t1")["text"] == "hello big world"

    # ...and Enter keeps the new text: the segment's text follows its words, the times stay
    page.mouse.dblclick(*_at(page, 1900))
    editor.wait_for()
    assert editor.input_value() == "big"
    editor.fill("bigger")
    lane.screenshot(path=f"{SHOTS}/editor-word-editing-on-lane.png")
    editor.press("Enter")
    assert lane.get_by_test_id("word-editor").count() == 0
    assert _region(page, "t1")["text"] == "hello bigger world"
    pinned = [["hello", 1000, 1600], ["bigger", 1600, 2240], ["world", 2240, 3000]]
    assert _words(page, "t1") == pinned
    assert page.locator("[data-testid=transcript-segment-t1] .tr-text").inner_text() == "hello bigger world"

    # split at the playhead acts on the word under it in the selected segment, as in the pane
    page.locator("body").click(position={"x": 5, "y": 880})
    page.evaluate("window.tandemEditor.clock.seek(1920)")  # half way through "bigger": after "big"
    page.keyboard.press("/")
    assert _words(page, "t1")[1:3] == [["big", 1600, 1920], ["ger", 1920, 2240]]
    page.keyboard.press("Control+z")
    assert _words(page, "t1") == pinned

    _save(page)
    stored = next(r for r in Annotation.objects.get(task=media_task, annotator=annotator_a).result["regions"] if r["id"] == "t1")
    assert stored["text"] == "hello bigger world"
    assert [[w["text"], w["start_ms"], w["end_ms"]] for w in stored["words"]] == pinned
    page.reload()
    _ready(page)
    assert _words(page, "t1") == pinned
    assert page.locator("[data-testid=transcript-segment-t1] .tr-text").inner_text() == "hello bigger world"
