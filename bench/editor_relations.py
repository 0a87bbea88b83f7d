"""Playing with 5,000 regions and 1,000 relations drawn as arcs, in Chromium: the frame rate.

Imported by bench/editor.py, which owns the scratch site and the browser; also runs alone
(``.venv/bin/python bench/editor_relations.py``) on a scratch site of its own under
bench/out/editor_relations/, reusing the media bench/editor.py generates.

The project gets a relation track; in the page, 1,000 relations are added in one store batch
between neighbouring regions of a 10-minute window (each region linked to the next one to four),
so every arc has both ends in view; then the clock plays while requestAnimationFrame intervals
are recorded, with the arcs shown and with them hidden.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.editor import RAF_MEASURE, REGIONS, SET_WINDOW, login  # noqa: E402

RELATIONS = 1_000
WINDOW_MS = 600_000
LINKS = {"name": "links", "kind": "relation", "labels": [{"value": "refers_to"}]}

ADD_RELATIONS = """
(n) => {
  const ed = window.tandemEditor, wb = ed.workbench, vp = wb.viewport;
  const idx = wb.index(wb.ownLayer("speech"));
  const ids = idx.visible(vp.startMs, vp.endMs).map((i) => idx.regions[i].id);
  const m = ids.length - 4;
  const changes = [];
  for (let k = 0; k < n; k++) {
    const a = k % m, hop = 1 + (Math.floor(k / m) % 4), id = `rel${k}`;
    changes.push({id, before: null, after: {id, track: "links", label: "refers_to", from_id: ids[a], to_id: ids[a + hop]}});
  }
  ed.store.apply({label: "bench relations", changes});
  return ids.length;
}
"""

PLAY_FROM_WINDOW = """
() => { const ed = window.tandemEditor; ed.clock.seek(ed.workbench.viewport.startMs + 1000); ed.clock.play(); }
"""


def add_relation_track(task_id: int) -> None:
    """Give the bench project a relation track (the scratch site's Django is already set up)."""
    from annotation.models import Task

    project = Task.objects.select_related("project").get(pk=task_id).project
    if not any(t["kind"] == "relation" for t in project.schema["tracks"]):
        project.schema = {"tracks": [*project.schema["tracks"], LINKS]}
        project.save(update_fields=["schema"])


def measure_relations(browser: Any, url: str, task_id: int) -> list[tuple[str, dict[str, Any], int]]:
    """rAF rate while playing a 10-minute window with 1,000 relation arcs in it, shown and hidden."""
    add_relation_track(task_id)
    context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=url)
    page = context.new_page()
    login(page, "bench_dense")
    page.goto(f"/tasks/{task_id}/annotate/")
    page.wait_for_selector("#tandem-editor[data-ready='true']", timeout=60_000)
    page.wait_for_selector("[data-waveform='ready']", timeout=60_000)
    visible = page.evaluate(SET_WINDOW, WINDOW_MS)
    page.evaluate(ADD_RELATIONS, RELATIONS)
    rows: list[tuple[str, dict[str, Any], int]] = []
    for shown in (True, False):
        if page.evaluate("window.tandemEditor.shell.relations.visible") != shown:
            page.evaluate("window.tandemEditor.shell.relations.toggle()")
        page.evaluate(SET_WINDOW, WINDOW_MS)
        page.evaluate(PLAY_FROM_WINDOW)
        page.wait_for_function("() => window.tandemEditor.clock.timeMs > window.tandemEditor.workbench.viewport.startMs + 1100",
                               timeout=10_000)
        m = page.evaluate(RAF_MEASURE, [3000, "play"])
        m["arcs"] = page.evaluate("window.tandemEditor.shell.relations.drawn.length")
        page.evaluate("window.tandemEditor.clock.pause()")
        rows.append(("shown" if shown else "hidden", m, visible))
    context.close()
    return rows


def relation_rows(rows: list[tuple[str, dict[str, Any], int]]) -> list[tuple[str, str, str]]:
    """Lines of bench/editor.py's table."""
    return [(f"fps playing, 10 min window, {REGIONS} regions ({visible} visible) + {RELATIONS} relations, arcs {how}",
             f"{m['fps']:.1f} (p95 {m['p95']:.1f} ms, worst {m['worst']:.0f} ms; {m['arcs']} arcs drawn)", "≥ 50")
            for how, m, visible in rows]


def main() -> None:
    """This scenario alone, on a scratch site of its own (the media is bench/editor.py's)."""
    import bench.editor as editor

    inputs = editor.make_inputs()
    var_dir = ROOT / "bench" / "out" / "editor_relations" / "var"
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    info = editor.populate(var_dir, inputs)
    server, url = editor.start_server(var_dir)
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=editor.CHROMIUM, args=editor.CHROMIUM_ARGS)
            rows = measure_relations(browser, url, info["long_task"])
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    for name, result, target in relation_rows(rows):
        print(f"{name} | {result} | {target}")


if __name__ == "__main__":
    main()
