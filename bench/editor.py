"""The browser editor in headless Chromium against a real server: waveform, frame rate, frame-exact seeks.

Generates its own media with ffmpeg (a 3-hour mono MP3 at 44.1 kHz, a 60 s video whose frames
print their own number), migrates a scratch SQLite database under bench/out/editor/, imports the
media with the project's services and processes it with the real pipeline
(``datasets.tasks.process_asset``), then serves the site with gunicorn on a free loopback port and
drives Debian's Chromium with Playwright:

* waveform: time from navigation start until the editor marks the waveform drawn
  (``data-waveform="ready"``, checked against the painted canvas pixels), fresh browser cache each
  run, and which waveform levels the page fetched;
* frame rate: requestAnimationFrame intervals over 3 s with 5,000 regions on the timeline, while
  playing and while scrolling with the wheel;
* seeking: N random frames reached with the editor's clock and its frame-step key; each shown
  frame is screenshotted and matched against every reference frame ffmpeg decodes from the file.

Run: .venv/bin/python bench/editor.py   (inputs are kept between runs under bench/out/editor/media)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out" / "editor"
MEDIA = OUT / "media"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
LONG_S = 3 * 3600
SAMPLE_RATE = 44_100
VIDEO_FPS = 25
VIDEO_S = 60
VIDEO_W, VIDEO_H = 640, 360
REF_W, REF_H = 64, 36
REGIONS = 5_000
PASSWORD = "bench-pass-123"
SCHEMA: dict[str, Any] = {"tracks": [
    {"name": "speech", "kind": "segment",
     "labels": [{"value": "speech", "hotkey": "1"}, {"value": "music", "hotkey": "2"}]},
    {"name": "events", "kind": "point", "labels": [{"value": "clap", "hotkey": "c"}]},
]}


def ffmpeg(*args: str) -> None:
    """Run ffmpeg quietly; raise with its message on failure."""
    proc = subprocess.run(["ffmpeg", "-nostdin", "-y", "-v", "error", *args], capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(proc.stderr)


def make_inputs() -> dict[str, Path]:
    """The long audio and the numbered video; kept between runs since they never change."""
    MEDIA.mkdir(parents=True, exist_ok=True)
    long_audio = MEDIA / f"long-{LONG_S}s-{SAMPLE_RATE}.mp3"
    if not long_audio.exists():
        tmp = long_audio.with_suffix(".part.mp3")
        # an envelope with slow and fast swells, so the waveform has shape at every zoom
        ffmpeg("-f", "lavfi", "-i", f"sine=frequency=220:sample_rate={SAMPLE_RATE}:duration={LONG_S}",
               "-af", "volume='0.15+0.85*abs(sin(t/5))*abs(sin(t/61))':eval=frame",
               "-ac", "1", "-c:a", "libmp3lame", "-b:a", "48k", str(tmp))
        tmp.rename(long_audio)
    video = MEDIA / f"frames-{VIDEO_S}s-{VIDEO_FPS}.mp4"
    if not video.exists():
        tmp = video.with_suffix(".part.mp4")
        text = f"drawtext=fontfile={FONT}:text='%{{frame_num}}':fontsize=150:fontcolor=white:box=1:boxcolor=black@0.8:x=(w-tw)/2:y=(h-th)/2"
        ffmpeg("-f", "lavfi", "-i", f"testsrc=size={VIDEO_W}x{VIDEO_H}:rate={VIDEO_FPS}:duration={VIDEO_S}:decimals=2",
               "-vf", text, "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "50",
               "-movflags", "+faststart", str(tmp))
        tmp.rename(video)
    return {"long": long_audio, "video": video}


def reference_frames(video: Path) -> np.ndarray:
    """Every frame of the video, decoded by ffmpeg, as small grayscale images (frames × H × W)."""
    proc = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(video), "-vf",
                           f"scale={REF_W}:{REF_H}:flags=area,format=gray", "-f", "rawvideo", "-"],
                          capture_output=True, check=True)
    return np.frombuffer(proc.stdout, dtype=np.uint8).reshape(-1, REF_H, REF_W).astype(np.float32)


def server_env(var_dir: Path) -> dict[str, str]:
    """The environment shared by the setup code and gunicorn: one scratch SQLite file and media root."""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "tandem.settings", "TANDEM_VAR_DIR": str(var_dir),
            "DATABASE_URL": f"sqlite:///{var_dir / 'bench.sqlite3'}", "DEBUG": "false",
            "DJANGO_ALLOW_ASYNC_UNSAFE": "true"}


def populate(var_dir: Path, inputs: dict[str, Path]) -> dict[str, Any]:
    """Migrate, create users, project, items and the dense annotation; process media synchronously."""
    os.environ.update(server_env(var_dir))
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from annotation.models import Task
    from annotation.services.annotations import annotation_create
    from annotation.services.assignments import assignment_ensure
    from annotation.services.imports import project_import
    from annotation.services.projects import member_set, project_create
    from datasets.models import Asset
    from datasets.tasks import process_asset

    call_command("migrate", verbosity=0)
    manager = User.objects.create_user("bench_manager", password=PASSWORD, is_staff=True)
    clean = User.objects.create_user("bench_clean", password=PASSWORD)
    dense = User.objects.create_user("bench_dense", password=PASSWORD)
    project = project_create(user=manager, name="Editor bench", schema=SCHEMA, overlap=2)
    for user in (clean, dense):
        member_set(project=project, user=manager, member=user, role="annotator")
    handles = {p.name: p.open("rb") for p in inputs.values()}
    try:
        records = [{"external_id": "three-hours", "streams": [{"role": "audio", "upload": inputs["long"].name}]},
                   {"external_id": "numbered-frames", "streams": [{"role": "video", "upload": inputs["video"].name}]}]
        imported = project_import(project=project, user=manager, records=records, uploads=handles)
    finally:
        for h in handles.values():
            h.close()
    tasks = list(Task.objects.filter(pk__in=imported["task_ids"]).select_related("item").order_by("id"))
    processing: dict[str, float] = {}
    for task in tasks:
        for stream in task.item.streams.select_related("asset"):
            t0 = time.perf_counter()
            status = process_asset(stream.asset.pk)
            processing[task.item.external_id] = time.perf_counter() - t0
            if status != "ready":
                raise RuntimeError(f"{task.item.external_id}: {Asset.objects.get(pk=stream.asset.pk).error}")
    long_task, video_task = tasks
    for task in tasks:
        for user in (clean, dense):
            assignment_ensure(task=task, user=user)
    slot = LONG_S * 1000 // REGIONS
    regions = [{"id": f"d{i}", "track": "speech", "label": "speech" if i % 3 else "music",
                "start_ms": i * slot + 80, "end_ms": i * slot + slot - 80} for i in range(REGIONS)]
    annotation_create(task=long_task, user=dense, result={"regions": regions})
    waveform = Asset.objects.get(streams__item=long_task.item).meta
    return {"long_task": long_task.pk, "video_task": video_task.pk, "processing_s": processing,
            "levels": waveform.get("waveform_levels", []), "sample_rate": SAMPLE_RATE}


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(var_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn on a free loopback port with the scratch environment; waits until it answers."""
    port = free_port()
    log = (var_dir / "gunicorn.log").open("wb")
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "tandem.wsgi", "-b", f"127.0.0.1:{port}",
                             "-w", "2", "-k", "gthread", "--threads", "4", "--timeout", "120"],
                            cwd=ROOT, env=server_env(var_dir), stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, url
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("gunicorn did not start; see " + str(var_dir / "gunicorn.log"))


# Records when the editor marks the waveform drawn, and how many canvas pixels were painted then.
WAVEFORM_PROBE = """
(() => {
  const check = () => {
    const el = document.querySelector("[data-waveform]");
    if (!el || window.__wf) return false;
    const painted = (root) => {
      let n = 0;
      for (const c of (root ? root.querySelectorAll("canvas") : [])) {
        if (!c.width || !c.height) continue;
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
      }
      return n;
    };
    window.__wf = {state: el.dataset.waveform, at: performance.now(), level: el.dataset.waveformLevel,
                   zoomPixels: painted(el), overviewPixels: painted(document.querySelector("[data-testid=waveform-overview]"))};
    return true;
  };
  new MutationObserver(() => check()).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-waveform"], childList: true});
})();
"""

# requestAnimationFrame intervals over `ms`, calling `step` (if any) once per frame.
RAF_MEASURE = """
([ms, mode]) => new Promise((resolve) => {
  const ed = window.tandemEditor, wb = ed.workbench;
  const timeline = document.querySelector("[data-testid=timeline]");
  const r = timeline.getBoundingClientRect();
  const step = mode === "scroll" ? () => timeline.dispatchEvent(new WheelEvent("wheel",
      {deltaX: 40, deltaY: 0, clientX: r.left + 400, clientY: r.top + 40, bubbles: true, cancelable: true})) : null;
  const times = [];
  const t0 = performance.now();
  const startView = wb.viewport.startMs, startClock = ed.clock.timeMs;
  const frame = (t) => {
    times.push(t);
    if (step) step();
    if (t - t0 < ms) requestAnimationFrame(frame);
    else {
      const gaps = times.slice(1).map((x, i) => x - times[i]).sort((a, b) => a - b);
      resolve({fps: 1000 * (times.length - 1) / (times[times.length - 1] - times[0]),
               p95: gaps[Math.floor(gaps.length * 0.95)], worst: gaps[gaps.length - 1],
               scrolledMs: wb.viewport.startMs - startView, playedMs: ed.clock.timeMs - startClock});
    }
  };
  requestAnimationFrame(frame);
})
"""

SET_WINDOW = """
(spanMs) => {
  const wb = window.tandemEditor.workbench, vp = wb.viewport;
  if (spanMs === null) vp.fitAll(); else { vp.setZoom(spanMs / vp.widthPx, 0, 0); vp.scrollTo(0); }
  wb.viewportChanged();
  const idx = wb.index(wb.ownLayer("speech"));
  return new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(() =>
    res(idx.visible(vp.startMs, vp.endMs).length))));
}
"""

SETTLE_VIDEO = """
async (k) => {
  const v = document.querySelector("[data-testid=video]");
  const ed = window.tandemEditor;
  for (let i = 0; i < 400 && (v.seeking || v.readyState < 2); i++) await new Promise((r) => setTimeout(r, 10));
  // the decoded frame reaches the compositor a little after "seeked": wait for its presentation (or 250 ms)
  await new Promise((r) => { v.requestVideoFrameCallback(() => r()); setTimeout(r, 250); });
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  return {frameAt: ed.workbench.frames.frameAt(ed.clock.timeMs), label: document.querySelector("[data-testid=frame]").textContent,
          currentTime: v.currentTime, videoWidth: v.videoWidth, videoHeight: v.videoHeight};
}
"""


def login(page: Any, username: str) -> None:
    """Sign in through the login form, as a person would."""
    page.goto("/login/")
    page.get_by_test_id("username").fill(username)
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("login").click()
    page.wait_for_url("**/")


def measure_waveform(browser: Any, url: str, task_id: int, runs: int) -> dict[str, Any]:
    """Cold-cache page loads of the 3-hour task: time to the drawn waveform and the levels fetched."""
    loads: list[float] = []
    levels: list[list[int]] = []
    probes: list[dict[str, Any]] = []
    sizes: list[int] = []
    for run in range(runs + 1):  # run 0 only warms the server's workers (imports, first queries)
        context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=url)
        page = context.new_page()
        login(page, "bench_clean")
        fetched: list[int] = []
        page.on("request", lambda r, f=fetched: f.append(int(r.url.split("level=")[1].split("&")[0]))
                if "/waveform/" in r.url and "level=" in r.url else None)
        page.add_init_script(WAVEFORM_PROBE)
        page.goto(f"/tasks/{task_id}/annotate/")
        page.wait_for_function("() => window.__wf !== undefined", timeout=60_000)
        page.wait_for_selector("#tandem-editor[data-ready='true']", timeout=60_000)
        probe = page.evaluate("window.__wf")
        if probe["state"] != "ready":
            raise RuntimeError(f"waveform failed: {probe}")
        if run == 0:
            context.close()
            continue
        sizes.append(page.evaluate("performance.getEntriesByType('resource').filter(e => e.name.includes('/waveform/'))"
                                   ".reduce((a, e) => a + e.encodedBodySize, 0)"))
        loads.append(probe["at"] / 1000)
        probes.append(probe)
        # zoom to a one-second window: the editor must bring the finest level it needs
        page.evaluate("(() => { const wb = window.tandemEditor.workbench; wb.viewport.setZoom(1000 / wb.viewport.widthPx, 3600000, 0);"
                      " wb.viewportChanged(); })()")
        page.wait_for_timeout(1500)
        levels.append(sorted(set(fetched), key=fetched.index))
        context.close()
    return {"loads": loads, "levels": levels, "probes": probes, "bytes": sizes}


def measure_fps(browser: Any, url: str, task_id: int) -> list[tuple[str, dict[str, Any], int]]:
    """rAF rate with 5,000 regions: playing and wheel-scrolling at several zooms."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=url)
    page = context.new_page()
    login(page, "bench_dense")
    page.goto(f"/tasks/{task_id}/annotate/")
    page.wait_for_selector("#tandem-editor[data-ready='true']", timeout=60_000)
    page.wait_for_selector("[data-waveform='ready']", timeout=60_000)
    count = page.evaluate("window.tandemEditor.result.regions.length")
    if count != REGIONS:
        raise RuntimeError(f"expected {REGIONS} regions, the editor holds {count}")
    rows: list[tuple[str, dict[str, Any], int]] = []
    for name, span in (("whole 3 h in view", None), ("10 min window", 600_000), ("1 min window", 60_000)):
        visible = page.evaluate(SET_WINDOW, span)
        page.evaluate("window.tandemEditor.clock.seek(window.tandemEditor.workbench.viewport.startMs + 1000)")
        page.evaluate("window.tandemEditor.clock.play()")
        page.wait_for_function("() => window.tandemEditor.clock.timeMs > window.tandemEditor.workbench.viewport.startMs + 1100",
                               timeout=10_000)
        rows.append((f"playing, {name}", page.evaluate(RAF_MEASURE, [3000, "play"]), visible))
        page.evaluate("window.tandemEditor.clock.pause()")
        if span is not None:
            visible = page.evaluate(SET_WINDOW, span)
            rows.append((f"wheel-scrolling, {name}", page.evaluate(RAF_MEASURE, [3000, "scroll"]), visible))
    context.close()
    return rows


def shown_frame(png: bytes, state: dict[str, Any], refs: np.ndarray, k: int) -> tuple[int, float]:
    """The reference frame closest to a screenshot of the video element, and frame k's lead over the runner-up."""
    from PIL import Image

    img = Image.open(BytesIO(png)).convert("L")
    # the frame inside the element (object-fit: contain letterboxes it)
    ew, eh = img.size
    s = min(ew / state["videoWidth"], eh / state["videoHeight"])
    cw, ch = state["videoWidth"] * s, state["videoHeight"] * s
    box = (round((ew - cw) / 2), round((eh - ch) / 2), round((ew + cw) / 2), round((eh + ch) / 2))
    shot = np.asarray(img.crop(box).resize((REF_W, REF_H), Image.Resampling.BOX), dtype=np.float32)
    mad = np.abs(refs - shot).mean(axis=(1, 2))
    return int(mad.argmin()), float(np.delete(mad, k).min() - mad[k])


def measure_seeks(browser: Any, url: str, task_id: int, refs: np.ndarray, n: int, seed: int) -> dict[str, Any]:
    """Seek to random frames (clock seeks and frame-step keys), screenshot, match against every reference frame."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=url)
    page = context.new_page()
    login(page, "bench_clean")
    page.goto(f"/tasks/{task_id}/annotate/")
    page.wait_for_selector("#tandem-editor[data-ready='true']", timeout=60_000)
    page.wait_for_function("() => document.querySelector('[data-testid=video]').readyState >= 2", timeout=30_000)
    page.locator("body").click(position={"x": 5, "y": 880})
    count = page.evaluate("window.tandemEditor.workbench.frames.count")
    rng = random.Random(seed)
    video = page.get_by_test_id("video")
    exact = late = 0
    misses: list[str] = []
    margins: list[float] = []
    for i in range(n):
        k = rng.randrange(6, min(count, len(refs)) - 1)
        if i % 2 == 0:
            page.evaluate(f"window.tandemEditor.clock.seek(window.tandemEditor.workbench.frames.start({k}))")
            how = "seek"
        else:
            back = 1 + i % 5
            page.evaluate(f"window.tandemEditor.clock.seek(window.tandemEditor.workbench.frames.start({k - back}))")
            for _ in range(back):
                page.keyboard.press("ArrowRight")
            how = f"seek {k - back} + {back}×→"
        state = page.evaluate(SETTLE_VIDEO, k)
        best, margin = shown_frame(video.screenshot(), state, refs, k)
        margins.append(margin)
        if best == k and state["frameAt"] == k and state["label"] == f"frame {k}":
            exact += 1
        else:
            page.wait_for_timeout(500)
            later, _ = shown_frame(video.screenshot(), state, refs, k)
            late += int(later == k)
            misses.append(f"{how}: wanted {k}, shown {best} ({later} 0.5 s later), editor says {state['label']}")
    context.close()
    return {"n": n, "exact": exact, "late": late, "misses": misses, "margin_min": min(margins), "margin_median": statistics.median(margins)}


def main() -> None:
    """Generate inputs, populate a scratch site, serve it, measure in Chromium, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeks", type=int, default=40)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    t0 = time.perf_counter()
    inputs = make_inputs()
    refs = reference_frames(inputs["video"])
    var_dir = OUT / "var"
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    info = populate(var_dir, inputs)
    server, url = start_server(var_dir)
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            wave = measure_waveform(browser, url, info["long_task"], args.loads)
            fps = measure_fps(browser, url, info["long_task"])
            seeks = measure_seeks(browser, url, info["video_task"], refs, args.seeks, args.seed)
            from bench.editor_drag import measure_drag

            drags = measure_drag(browser, url, info["long_task"])
            from bench.editor_relations import measure_relations

            relations = measure_relations(browser, url, info["long_task"])
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    print_table(info, wave, fps, seeks, time.perf_counter() - t0, drags, relations)
    (OUT / "result.json").write_text(json.dumps({"info": info, "waveform": wave, "fps": [list(r) for r in fps],
                                                 "seeks": seeks, "drags": [list(r) for r in drags],
                                                 "relations": [list(r) for r in relations]}, indent=1, default=str))


def print_table(info: dict[str, Any], wave: dict[str, Any], fps: list[tuple[str, dict[str, Any], int]],
                seeks: dict[str, Any], total_s: float, drags: list[tuple[str, dict[str, Any], int]] | None = None,
                relations: list[tuple[str, dict[str, Any], int]] | None = None) -> None:
    """The one table: measure, result, target; then any seek that missed."""
    rows: list[tuple[str, str, str]] = []
    loads = wave["loads"]
    rows.append(("3 h audio (44.1 kHz MP3) processed by the pipeline", f"{info['processing_s']['three-hours']:.1f} s", ""))
    rows.append((f"waveform drawn after page load, 3 h audio (median of {len(loads)}; empty browser cache)",
                 f"{statistics.median(loads):.2f} s (runs {', '.join(f'{x:.2f}' for x in loads)})", "< 1 s"))
    probe = wave["probes"][0]
    rows.append(("  canvas pixels painted at that moment (zoom / overview)",
                 f"{probe['zoomPixels']} / {probe['overviewPixels']}", "> 0"))
    rows.append(("  waveform levels on the server (samples/px)", ", ".join(map(str, info["levels"])), ""))
    rows.append(("  levels fetched: first load, then zoom to 1 s", " → ".join(map(str, wave["levels"][0])),
                 ""))
    rows.append(("  waveform bytes fetched before drawn", f"{wave['bytes'][0] / 1024:.0f} KiB", ""))
    for name, m, visible in fps:
        rows.append((f"fps {name} ({REGIONS} regions, {visible} visible)",
                     f"{m['fps']:.1f} (p95 {m['p95']:.1f} ms, worst {m['worst']:.0f} ms)", "≥ 50"))
    if drags:
        from bench.editor_drag import drag_rows

        rows += drag_rows(drags)
    if relations:
        from bench.editor_relations import relation_rows

        rows += relation_rows(relations)
    rows.append((f"seek-to-frame exact ({seeks['n']} random frames, clock seeks + frame-step keys)",
                 f"{seeks['exact']}/{seeks['n']}" + (f" ({seeks['late']} more right 0.5 s later)" if seeks["late"] else ""),
                 f"{seeks['n']}/{seeks['n']}"))
    rows.append(("  MAD margin to the nearest other frame (min / median, gray levels)",
                 f"{seeks['margin_min']:.1f} / {seeks['margin_median']:.1f}", "> 0"))
    rows.append(("bench wall time", f"{total_s:.0f} s", ""))
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    print(f"{'measure'.ljust(w0)} | {'result'.ljust(w1)} | target")
    print(f"{'-' * w0}-|-{'-' * w1}-|-------")
    for a, b, c in rows:
        print(f"{a.ljust(w0)} | {b.ljust(w1)} | {c}")
    for miss in seeks["misses"]:
        print("miss:", miss)


if __name__ == "__main__":
    main()
