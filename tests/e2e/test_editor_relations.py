"""End to end in real Chromium: a segment by keys, a text span by selection and hotkey, a link between them."""

from __future__ import annotations

from typing import Any

import pytest

from annotation.models import Annotation
from tests.e2e.conftest import login

TEXT = "Alice met Bob in Paris."
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]






def _drag_select(page: Any, testid: str, start: int, end: int) -> None:
    """Select characters [start, end) of a text pane with the mouse, as an annotator would."""
    box = page.evaluate(
        """([testid, start, end]) => {
          const body = document.querySelector(`[data-testid="${testid}"]`);
          const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
          const rectAt = (offset) => {
            let seen = 0;
            for (let n = walker.currentNode = body; (n = walker.nextNode()); ) {
              if (offset < seen + n.length) {
                const r = document.createRange();
                r.setStart(n, offset - seen);
                r.setEnd(n, offset - seen + 1);
                return r.getBoundingClientRect();
              }
              seen += n.length;
            }
            throw new Error("offset past the text");
          };
          const a = rectAt(start), b = rectAt(end - 1);
          return {x0: a.left + 1, y0: a.top + a.height / 2, x1: b.right - 1, y1: b.top + b.height / 2};
        }""",
        [testid, start, end],
    )
    page.mouse.move(box["x0"], box["y0"])
    page.mouse.down()
    page.mouse.move((box["x0"] + box["x1"]) / 2, box["y1"], steps=4)
    page.mouse.move(box["x1"], box["y1"], steps=4)
    page.mouse.up()


def _stored_regions(task: Any, user: Any, page: Any, done: Any) -> list[dict[str, Any]]:
    """Poll the database until the autosaved result satisfies ``done`` (autosave is debounced)."""
    regions: list[dict[str, Any]] = []
    for _ in range(75):
        annotation = Annotation.objects.filter(task=task, annotator=user).first()
        regions = annotation.result["regions"] if annotation else []
        if done(regions):
            break
        page.wait_for_timeout(200)
    return regions


def test_an_annotator_links_a_text_span_to_a_segment_with_the_relation_key(
    page: Any, project: Any, make_items: Any, annotator_a: Any
) -> None:
    (task,) = make_items(project, 1, text=TEXT, duration_ms=10_000)
    login(page, "annotator_a")
    page.get_by_test_id(f"start-{project.pk}").click()
    page.wait_for_url("**/annotate/")
    page.wait_for_selector("#tandem-editor[data-ready='true']", timeout=30_000)
    page.locator("body").click(position={"x": 5, "y": 880})  # keys go to the editor

    # a segment by keys: mark in, mark out, label hotkey
    page.evaluate("window.tandemEditor.clock.seek(1000)")
    page.keyboard.press("[")
    page.evaluate("window.tandemEditor.clock.seek(2200)")
    page.keyboard.press("]")
    page.keyboard.press("1")
    segment_id = page.evaluate("window.tandemEditor.result.regions.find(r => r.track === 'speech').id")

    # a span: select "Bob in Paris" in the transcript pane, press the PER hotkey
    start, end = TEXT.index("Bob"), TEXT.index("Paris") + len("Paris")
    _drag_select(page, "text-transcript", start, end)
    assert page.evaluate("window.getSelection().toString()") == "Bob in Paris"
    page.keyboard.press("p")
    span_id = page.evaluate("window.tandemEditor.result.regions.find(r => r.track === 'entities').id")
    page.get_by_test_id(f"span-{span_id}").wait_for()

    # the link: r with the span selected, then click the segment on its lane
    page.keyboard.press("r")
    page.get_by_test_id(f"region-{segment_id}").click()
    page.wait_for_function("() => window.tandemEditor.result.regions.some(r => r.track === 'links')")

    regions = _stored_regions(task, annotator_a, page, lambda rs: any(r["track"] == "links" for r in rs))
    by_track = {r["track"]: r for r in regions}
    assert sorted(by_track) == ["entities", "links", "speech"]
    assert len(regions) == 3
    segment, span, link = by_track["speech"], by_track["entities"], by_track["links"]
    assert (segment["id"], segment["label"], segment["start_ms"], segment["end_ms"]) == (segment_id, "speech", 1000, 2200)
    assert (span["id"], span["label"], span["start_char"], span["end_char"]) == (span_id, "PER", start, end)
    assert span["text"] == TEXT[start:end] == "Bob in Paris"
    assert (link["label"], link["from_id"], link["to_id"]) == ("refers_to", span_id, segment_id)
