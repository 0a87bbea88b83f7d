// Browser smoke run of the dev harness: drives the editor through its keys, mouse and API calls,
// prints PASS/FAIL per check and one PERF line (rAF fps with 5,000+ regions), saves screenshots.
// Needs playwright-core (not a dependency: `npm i --no-save playwright-core`), system Chromium, and
// the harness served: `python3 -m http.server 8765 --bind 127.0.0.1` in frontend/.
// Usage: node dev/smoke.mjs [all|annotate|conflict|kinds|review|perf]
import { chromium } from "playwright-core";
const base = process.env.HARNESS_URL || "http://127.0.0.1:8765/dev/index.html";
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox", "--autoplay-policy=no-user-gesture-required"] });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));
page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
const ready = async () => page.waitForFunction(() => document.getElementById("tandem-editor").dataset.ready);
const T = () => page.evaluate(() => window.tandemEditor.clock.timeMs);
const check = (name, ok, extra = "") => console.log(`${ok ? "PASS" : "FAIL"} ${name} ${extra}`);
const mode = process.argv[2] || "all";

if (mode === "all" || mode === "annotate") {
  await page.goto(base); await ready();
  await page.waitForTimeout(500);
  await page.screenshot({ path: (process.env.SHOTS || "/tmp") + "/shot-mixed.png" });
  await page.keyboard.press("ArrowRight"); await page.keyboard.press("ArrowRight"); await page.keyboard.press("ArrowRight");
  check("arrow right steps 3 frames", (await T()) === 120, await T());
  await page.keyboard.press("Shift+ArrowRight");
  check("shift+right +1s", (await T()) === 1120, await T());
  const n0 = await page.evaluate(() => window.tandemEditor.result.regions.length);
  await page.evaluate(() => window.tandemEditor.clock.seek(20000)); await page.keyboard.press("[");
  await page.evaluate(() => window.tandemEditor.clock.seek(23000)); await page.keyboard.press("]");
  const r1 = await page.evaluate(() => window.tandemEditor.result.regions);
  check("[ ] creates a segment", r1.length === n0 + 1 && r1.some((r) => r.start_ms === 20000 && r.end_ms === 23000 && r.label === "speech"));
  await page.keyboard.press("2");
  const r2 = await page.evaluate(() => window.tandemEditor.result.regions.find((r) => r.start_ms === 20000));
  check("hotkey relabels selected", r2 && r2.label === "music", r2 && r2.label);
  await page.keyboard.press("Control+z");
  await page.keyboard.press("Control+z");
  check("undo twice removes it", (await page.evaluate(() => window.tandemEditor.result.regions.length)) === n0);
  await page.keyboard.press("Control+Shift+Z");
  check("redo restores it", (await page.evaluate(() => window.tandemEditor.result.regions.length)) === n0 + 1);
  await page.evaluate(() => window.tandemEditor.clock.seek(25000)); await page.keyboard.press(".");
  check("'.' adds a point", await page.evaluate(() => window.tandemEditor.result.regions.some((r) => r.track === "events" && r.time_ms === 25000)));
  await page.waitForTimeout(1500);
  const puts = await page.evaluate(() => window.__fakeCalls.filter((c) => c.method === "PUT"));
  check("autosave PUT with version and csrf", puts.length >= 1 && puts[0].body.version === 3 && puts[0].csrf === "dev-token", JSON.stringify(puts.map((p) => p.body.version)));
  check("save-status", true, await page.getByTestId("save-status").textContent());
  // drag to create on the speech lane
  const lane = page.getByTestId("lane-speech");
  const box = await lane.boundingBox();
  await page.mouse.move(box.x + box.width * 0.6, box.y + 10); await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + 10, { steps: 5 }); await page.mouse.up();
  const created = await page.evaluate(() => window.tandemEditor.result.regions.filter((r) => r.track === "speech" && r.start_ms > 30000));
  check("drag creates a segment", created.length === 1, JSON.stringify(created));
  // click region testid and check selection panel; resize via edge drag
  await page.getByTestId("region-r1").click();
  check("click region selects it", (await page.getByTestId("region-label").inputValue()) === "speech");
  await page.getByTestId("attr-speaker").selectOption("B");
  check("attribute edit", await page.evaluate(() => window.tandemEditor.result.regions.find((r) => r.id === "r1").attributes.speaker === "B"));
  // suggestions
  await page.getByTestId("suggestion-p9-s1").click();
  await page.keyboard.press("a");
  const acc = await page.evaluate(() => window.tandemEditor.result.regions.find((r) => r.source));
  check("accept suggestion copies with source", acc && acc.source.model === "vad" && acc.source.version === "1.2" && acc.score === undefined, JSON.stringify(acc));
  // transcript word click
  await page.getByTestId("transcript-word").nth(2).click();
  check("click word seeks", (await T()) >= 1200 && (await T()) < 3000, await T());
  // span: select 'Bob' in text pane then press p
  await page.evaluate(() => {
    const body = document.querySelector('[data-testid="text-transcript"]');
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    let node; while ((node = walker.nextNode())) { const i = node.data.indexOf("Bob"); if (i >= 0) { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 3); getSelection().removeAllRanges(); getSelection().addRange(r); break; } }
  });
  await page.keyboard.press("p");
  const span = await page.evaluate(() => window.tandemEditor.result.regions.find((r) => r.track === "entities" && r.text === "Bob"));
  check("span from selection", span && span.start_char === 10 && span.end_char === 13, JSON.stringify(span));
  // relation: select span, r, click region r2
  await page.keyboard.press("r");
  await page.getByTestId("region-r2").click();
  const rel = await page.evaluate((sid) => window.tandemEditor.result.regions.find((r) => r.track === "links" && r.from_id === sid), span && span.id);
  check("relation created", rel && rel.to_id === "r2", JSON.stringify(rel));
  // play
  await page.evaluate(() => window.tandemEditor.clock.seek(0));
  await page.getByTestId("play").click(); await page.waitForTimeout(1200); await page.keyboard.press(" ");
  check("plays ~1.2 s", (await T()) > 700 && (await T()) < 2000, await T());
  await page.screenshot({ path: (process.env.SHOTS || "/tmp") + "/shot-mixed2.png" });
}
if (mode === "all" || mode === "conflict") {
  await page.goto(base + "?conflict=1"); await ready();
  await page.evaluate(() => window.tandemEditor.clock.seek(30000)); await page.keyboard.press(".");
  await page.getByTestId("conflict-banner").waitFor({ timeout: 4000 });
  check("conflict banner", true, await page.getByTestId("conflict-banner").textContent());
  await page.screenshot({ path: (process.env.SHOTS || "/tmp") + "/shot-conflict.png" });
  await page.getByTestId("conflict-keep").click(); await page.waitForTimeout(300);
  const puts = await page.evaluate(() => window.__fakeCalls.filter((c) => c.method === "PUT").map((c) => c.body.version));
  check("keep mine overwrites with server version", JSON.stringify(puts) === "[3,5]", JSON.stringify(puts));
  check("banner gone", (await page.getByTestId("conflict-banner").count()) === 0);
}
for (const kind of ["audio", "video", "text"]) {
  if (mode !== "all" && mode !== "kinds") break;
  await page.goto(base + "?kind=" + kind); await ready(); await page.waitForTimeout(300);
  await page.screenshot({ path: `${process.env.SHOTS || "/tmp"}/shot-${kind}.png` });
  check(`${kind}-only loads`, true);
}
if (mode === "all" || mode === "review") {
  await page.goto(base + "?mode=review"); await ready(); await page.waitForTimeout(300);
  await page.screenshot({ path: (process.env.SHOTS || "/tmp") + "/shot-review.png" });
  await page.getByTestId("copy-version-ann_b").click();
  await page.getByTestId("region-ann_a-r2").click();
  await page.getByTestId("copy-region").click();
  await page.getByTestId("resolve").click(); await page.waitForTimeout(200);
  const res = await page.evaluate(() => window.__fakeCalls.find((c) => c.path === "/api/review-items/4/resolve/"));
  const claimed = await page.evaluate(() => window.__fakeCalls.some((c) => c.path === "/api/review-items/4/claim/"));
  check("review claims and resolves with sources", claimed && res && res.body.result.regions.length === 4 && JSON.stringify(res.body.sources.sort()) === "[40,41]", JSON.stringify(res && res.body.sources));
}
if (mode === "all" || mode === "perf") {
  await page.goto(base + "?many=5000"); await ready(); await page.waitForTimeout(500);
  const r = await page.evaluate(async () => {
    const ed = window.tandemEditor; const wb = ed.workbench;
    const measure = (ms, step) => new Promise((res) => { const ts = []; const t0 = performance.now();
      const f = (t) => { ts.push(t); step && step(ts.length); if (t - t0 < ms) requestAnimationFrame(f); else res(ts); }; requestAnimationFrame(f); });
    const stats = (ts) => { const d = ts.slice(1).map((t, i) => t - ts[i]); d.sort((a, b) => a - b); return { fps: +(1000 * (ts.length - 1) / (ts[ts.length - 1] - ts[0])).toFixed(1), p95ms: +d[Math.floor(d.length * 0.95)].toFixed(1), max: +d[d.length - 1].toFixed(1) }; };
    wb.viewport.setZoom(20, 0, 0); wb.viewportChanged();
    ed.clock.seek(0); ed.clock.play(); const play = stats(await measure(3000)); ed.clock.pause();
    const scroll = stats(await measure(3000, (i) => { wb.viewport.scrollTo(i * 200); wb.viewportChanged(); }));
    wb.viewport.fitAll(); wb.viewportChanged();
    const zoomedOut = stats(await measure(2000, (i) => { wb.viewport.setZoom(wb.viewport.maxMsPerPx * (0.5 + 0.5 * Math.abs(Math.sin(i / 10))), 30000, 600); wb.viewportChanged(); }));
    return { regions: ed.result.regions.length, play, scroll, zoomedOut };
  });
  console.log("PERF", JSON.stringify(r));
  await page.screenshot({ path: (process.env.SHOTS || "/tmp") + "/shot-many.png" });
}
console.log("ERRORS", JSON.stringify(errors));
await browser.close();
