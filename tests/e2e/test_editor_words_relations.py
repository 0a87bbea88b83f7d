"""In Chromium: relations drawn as arcs (select, delete, undo, hide), word-level transcript editing
(in place, split, merge, boundary drag) that survives a reload, the loop and playback rate keys."""

from __future__ import annotations

from typing import Any

import pytest

from annotation.models import Annotation
from tests.e2e.conftest import login
from tests.e2e.test_editor import media_task  # noqa: F401  (shared fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp"  # screenshots to look at, never into the tree


def _open(page: Any, project: Any) -> None:
    login(page, "annotator_a")
    page.get_by_test_id(f"start-{project.pk}").click()
    page.wait_for_url("**/annotate/")
    _ready(page)


def _ready(page: Any) -> None:
    page.wait_for_selector("#tandem-editor[data-ready='true']", timeout=30_000)
    page.wait_for_function("() => window.tandemEditor.version >= 1")
    page.locator("body").click(position={"x": 5, "y": 880})  # keys go to the editor, not a button


def _add(page: Any, region: dict[str, Any]) -> None:
    page.evaluate("(r) => window.tandemEditor.store.add(r)", region)


def _region(page: Any, rid: str) -> Any:
    return page.evaluate("(id) => window.tandemEditor.store.get(id) ?? null", rid)


def _save(page: Any) -> None:
    version = page.evaluate("window.tandemEditor.version")
    page.keyboard.press("Control+s")
    page.wait_for_function(f"() => window.tandemEditor.version === {version + 1}")


def _arcs(page: Any) -> list[dict[str, Any]]:
    page.wait_for_timeout(100)  # two animation frames: the overlay draws on the next one
    return list(page.evaluate("""() => [...document.querySelectorAll('[data-testid=relation-arcs] li')]
        .map(li => ({id: li.dataset.id, label: li.dataset.label, x: +li.dataset.x, y: +li.dataset.y, text: li.textContent}))"""))


def test_a_relation_is_an_arc_that_selects_deletes_undoes_and_hides(page: Any, project: Any, media_task: Any) -> None:  # noqa: F811
    _open(page, project)
    _add(page, {"id": "seg1", "track": "speech", "label": "speech", "start_ms": 1000, "end_ms": 2200})
    _add(page, {"id": "bob", "track": "entities", "label": "PER", "start_char": 10, "end_char": 13, "text": "Bob"})
    _add(page, {"id": "link1", "track": "links", "label": "refers_to", "from_id": "bob", "to_id": "seg1"})
    page.get_by_test_id("span-bob").wait_for()
    (arc,) = _arcs(page)
    assert (arc["id"], arc["label"]) == ("link1", "refers_to")
    assert arc["text"] == "refers_to: PER “Bob” (entities @10) → speech (speech 00:01.000)"
    # the arc runs from the span in the text pane to the segment on its lane
    span = page.get_by_test_id("span-bob").bounding_box()
    lane = page.get_by_test_id("lane-speech").bounding_box()
    assert span["y"] + span["height"] <= arc["y"] <= lane["y"] or lane["y"] + lane["height"] <= arc["y"] <= span["y"]
    page.screenshot(path=f"{SHOTS}/editor-relation-arc.png")

    page.mouse.click(arc["x"], arc["y"])
    assert page.evaluate("window.tandemEditor.workbench.selection.id") == "link1"
    assert page.get_by_test_id("relation-from").inner_text() == "PER “Bob” (entities @10)"
    assert page.get_by_test_id("relation-to").inner_text() == "speech (speech 00:01.000)"
    page.screenshot(path=f"{SHOTS}/editor-relation-selected.png")

    page.keyboard.press("Delete")
    assert _region(page, "link1") is None and _region(page, "bob") is not None and _region(page, "seg1") is not None
    assert _arcs(page) == []
    page.keyboard.press("Control+z")  # one step brings it back
    assert _region(page, "link1")["to_id"] == "seg1"
    assert [a["id"] for a in _arcs(page)] == ["link1"]

    # the side panel of a linked region names the other end by label and text, not by id
    page.get_by_test_id("span-bob").click()
    assert page.get_by_test_id("relation-link1").inner_text().startswith("refers_to → speech (speech 00:01.000)")

    page.keyboard.press("Shift+R")
    assert _arcs(page) == []
    assert page.get_by_test_id("relations-toggle").inner_text() == "Relations: off"
    page.mouse.click(arc["x"], arc["y"])  # a hidden arc is not clickable
    assert page.evaluate("window.tandemEditor.workbench.selection?.id ?? null") != "link1"
    page.get_by_test_id("relations-toggle").click()
    assert [a["id"] for a in _arcs(page)] == ["link1"]


def _word(page: Any, seg: str, index: int) -> Any:
    return page.locator(f"[data-testid=transcript-segment-{seg}] .tr-word[data-index='{index}']")


def _words(page: Any, seg: str) -> list[list[Any]]:
    return [[w["text"], w["start_ms"], w["end_ms"]] for w in page.evaluate(
        "(id) => { const r = window.tandemEditor.store.get(id); return r.words ?? []; }", seg)]


def test_words_are_edited_in_place_split_merged_and_retimed(page: Any, project: Any, media_task: Any,  # noqa: F811
                                                           annotator_a: Any) -> None:
    _open(page, project)
    _add(page, {"id": "t1", "track": "words", "start_ms": 1000, "end_ms": 3000, "text": "hello big world"})
    # edit in place: double click, type, Enter; the segment's text follows its words
    _word(page, "t1", 1).dblclick()
    editor = page.get_by_test_id("word-editor")
    editor.wait_for()
    editor.fill("bigger")
    page.screenshot(path=f"{SHOTS}/editor-word-editing.png")
    editor.press("Enter")
    assert _region(page, "t1")["text"] == "hello bigger world"
    # times spread by characters (13 over 2000 ms), the edited word keeps its own
    assert _words(page, "t1") == [["hello", 1000, 1769], ["bigger", 1769, 2231], ["world", 2231, 3000]]
    page.keyboard.press("Control+z")
    assert _region(page, "t1")["text"] == "hello big world"
    page.keyboard.press("Control+Shift+z")
    assert _region(page, "t1")["text"] == "hello bigger world"

    # split at the playhead: pick the word, move the playhead into it, press /
    _word(page, "t1", 1).click()
    page.evaluate("window.tandemEditor.clock.seek(2000)")  # half way through: after "big"
    page.keyboard.press("/")
    assert _words(page, "t1")[1:3] == [["big", 1769, 2000], ["ger", 2000, 2231]]
    assert _region(page, "t1")["text"] == "hello big ger world"
    # merge it back with the next word
    _word(page, "t1", 1).click()
    page.keyboard.press("Shift+J")
    assert _words(page, "t1")[1] == ["bigger", 1769, 2231]

    # drag the boundary between "hello" and "bigger" to 1500 ms on the word bar
    bar = page.get_by_test_id("wordbar-t1").bounding_box()
    handle = page.get_by_test_id("word-boundary-0").bounding_box()
    x_to = bar["x"] + (1500 - 1000) / 2000 * bar["width"]
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(x_to, handle["y"] + handle["height"] / 2, steps=5)
    page.mouse.up()
    words = _words(page, "t1")
    assert abs(words[0][2] - 1500) <= 2000 / bar["width"] + 1 and words[1][1] == words[0][2]
    page.screenshot(path=f"{SHOTS}/editor-word-bar.png")
    pinned = words

    # the words and the text they spell survive a save and a reload
    _save(page)
    stored = next(r for r in Annotation.objects.get(task=media_task, annotator=annotator_a).result["regions"] if r["id"] == "t1")
    assert stored["text"] == "hello bigger world"
    assert [[w["text"], w["start_ms"], w["end_ms"]] for w in stored["words"]] == pinned
    page.reload()
    _ready(page)
    assert page.locator("[data-testid=transcript-segment-t1] .tr-text").inner_text() == "hello bigger world"
    assert _words(page, "t1") == pinned


def test_loop_plays_the_selected_region_again_and_rate_keys_change_the_speed(
        page: Any, project: Any, media_task: Any) -> None:  # noqa: F811
    _open(page, project)
    _add(page, {"id": "seg1", "track": "speech", "label": "speech", "start_ms": 1000, "end_ms": 1600})
    page.evaluate("(() => { const w = window.tandemEditor.workbench; w.select({layer: w.ownLayer('speech'), id: 'seg1'}); })()")
    page.keyboard.press("l")
    assert page.evaluate("window.tandemEditor.clock.loop") == [1000, 1600]
    # it plays into the region, jumps back to its start, and plays it again
    for _ in range(2):
        page.wait_for_function("() => window.tandemEditor.clock.timeMs > 1400", timeout=10_000)
        page.wait_for_function("() => window.tandemEditor.clock.timeMs < 1200", timeout=10_000)
    assert page.evaluate("window.tandemEditor.clock.playing") is True
    page.keyboard.press("l")
    assert page.evaluate("window.tandemEditor.clock.loop") is None
    page.keyboard.press("Space")

    assert page.evaluate("window.tandemEditor.clock.rate") == 1
    page.keyboard.press(">")
    assert page.evaluate("[window.tandemEditor.clock.rate, document.querySelector('video').playbackRate]") == [1.25, 1.25]
    assert page.get_by_test_id("rate").input_value() == "1.25"
    page.keyboard.press("<")
    page.keyboard.press("<")
    assert page.evaluate("window.tandemEditor.clock.rate") == 0.75
    assert page.get_by_test_id("status").inner_text() == "Playback at 0.75×"
    page.keyboard.press("?")
    overlay = page.get_by_test_id("keys-overlay")
    for action in ("rate-down", "rate-up", "loop", "relations-toggle", "word-edit", "word-split", "word-merge"):
        assert overlay.locator(f"tr[data-action={action}] kbd").count() >= 1, action


def test_the_waveform_overview_spans_the_row_and_its_playhead_matches_the_clock(
        page: Any, project: Any, media_task: Any) -> None:  # noqa: F811
    _open(page, project)
    page.wait_for_selector("[data-waveform='ready']", timeout=30_000)
    probe = """() => { const ed = window.tandemEditor, o = document.querySelector('[data-testid=waveform-overview]');
        const view = ed.shell.waveform.peaks.views.getView('overview');
        return {px: view._playheadLayer.getPlayheadPixel(), width: o.clientWidth, row: o.parentElement.clientWidth,
                ms: ed.clock.timeMs, duration: ed.clock.durationMs}; }"""
    for ms in (0, 1500, 3000, 4500):
        page.evaluate(f"window.tandemEditor.clock.seek({ms})")
        page.wait_for_timeout(50)
        p = page.evaluate(probe)
        assert p["width"] == p["row"]  # the whole duration across the whole row
        assert abs(p["px"] - p["ms"] / p["duration"] * p["width"]) <= 1.5, p
