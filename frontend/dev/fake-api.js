// A fake same-origin API for looking at the editor without the server (dev only).
// Query: ?mode=review  ?kind=mixed|audio|video|text  ?many=5000  ?conflict=1
const q = new URLSearchParams(location.search);
const kind = q.get("kind") || "mixed";
const mode = q.get("mode") || "annotate";
const many = Number(q.get("many") || 0);
const DUR = 60000;
window.TANDEM = { mode, taskId: 12, reviewItemId: mode === "review" ? 4 : null, projectId: 3, apiBase: "/api", csrfToken: "dev-token",
  user: { id: 5, username: "ann_a", role: mode === "review" ? "reviewer" : "annotator" } };

const schema = { tracks: [
  { name: "speech", kind: "segment", stream: "audio", overlap: "same-label",
    labels: [{ value: "speech", color: "#4f8cff", hotkey: "1" }, { value: "music", color: "#f08c2e", hotkey: "2" }],
    attributes: [{ name: "speaker", type: "choice", choices: ["A", "B"] }, { name: "noisy", type: "bool" }, { name: "note", type: "text" }] },
  { name: "events", kind: "point", labels: [{ value: "clap", color: "#2eb872", hotkey: "c" }] },
  { name: "words", kind: "transcript" },
  { name: "entities", kind: "span", stream: "transcript", labels: [{ value: "PER", color: "#d94f70", hotkey: "p" }, { value: "LOC", color: "#8a63d2", hotkey: "o" }] },
  { name: "faces", kind: "box", stream: "video", labels: [{ value: "face", color: "#ffb703" }] },
  { name: "links", kind: "relation", labels: [{ value: "refers_to" }] },
] };
const asset = (id, k, extra) => Object.assign({ id, kind: k, status: "ready", error: null, progress: 1, duration_ms: DUR, fps: null, width: null, height: null,
  waveform_levels: [], media_url: "", waveform_url: `/api/assets/${id}/waveform/`, shots_url: `/api/assets/${id}/shots/`, frames_url: `/api/assets/${id}/frames/` }, extra);
const text = "Alice met Bob in Paris. They talked about the weather and the new project for a while.";
const streams = [];
if (kind === "mixed" || kind === "video") streams.push({ id: 1, role: "video", kind: "video", offset_ms: 0,
  asset: asset(21, "video", { fps: 25, width: 480, height: 270, media_url: "media/video.mp4", waveform_levels: [] }) });
if (kind === "mixed" || kind === "audio") streams.push({ id: 2, role: "audio", kind: "audio", offset_ms: kind === "mixed" ? 120 : 0,
  asset: asset(22, "audio", { media_url: "media/audio.ogg", waveform_levels: [256, 512, 1024, 2048] }) });
if (kind === "mixed" || kind === "text") streams.push({ id: 3, role: "transcript", kind: "text", offset_ms: 0, asset: asset(23, "text", {}), text });
const task = { id: 12, project: 3, status: "assigned", item: { id: 7, external_id: `clip-007-${kind}`, duration_ms: DUR, provenance: { kind: "captured" }, streams } };

const words = ["alice", "met", "bob", "in", "paris", "they", "talked", "about", "the", "weather"];
let regions = [
  { id: "r1", track: "speech", label: "speech", start_ms: 1200, end_ms: 5400, attributes: { speaker: "A" } },
  { id: "r2", track: "speech", label: "music", start_ms: 7000, end_ms: 11000 },
  { id: "r3", track: "events", label: "clap", time_ms: 6000 },
  { id: "r4", track: "words", start_ms: 1200, end_ms: 3000, text: "Alice met Bob" },
  { id: "r5", track: "words", start_ms: 3000, end_ms: 5400, text: "in Paris today" },
  { id: "r6", track: "entities", label: "PER", start_char: 0, end_char: 5, text: "Alice" },
  { id: "r7", track: "faces", label: "face", keyframes: [{ time_ms: 0, x: 0.1, y: 0.2, w: 0.25, h: 0.3 }, { time_ms: 4000, x: 0.5, y: 0.3, w: 0.25, h: 0.3 }] },
  { id: "r8", track: "links", label: "refers_to", from_id: "r6", to_id: "r1" },
];
if (many) {
  regions = [];
  for (let i = 0; i < many; i++) {
    const a = Math.floor((i * DUR) / many);
    regions.push({ id: `m${i}`, track: "speech", label: i % 3 ? "speech" : "music", start_ms: a, end_ms: a + Math.floor(DUR / many * 0.8) });
    if (i % 5 === 0) regions.push({ id: `w${i}`, track: "words", start_ms: a, end_ms: a + Math.floor(DUR / many * 0.9), text: words[i % words.length] });
  }
}
let ann = { id: 40, task: 12, annotator: { id: 5, username: "ann_a" }, kind: "human", status: "draft", version: 3, result: { regions }, updated_at: "2026-11-23T12:00:00Z" };
const other = { id: 41, task: 12, annotator: { id: 6, username: "ann_b" }, kind: "human", status: "submitted", version: 2, updated_at: "2026-11-23T12:00:00Z",
  result: { regions: [
    { id: "r1", track: "speech", label: "speech", start_ms: 1500, end_ms: 6100, attributes: { speaker: "B" } },
    { id: "r2", track: "events", label: "clap", time_ms: 6040 },
    { id: "r3", track: "speech", label: "speech", start_ms: 13000, end_ms: 15000 } ] } };
let conflictOnce = q.get("conflict") === "1";
window.__fakeCalls = [];

function waveform() {
  const sr = 16000, spp = 256, n = Math.ceil((DUR / 1000) * sr / spp), data = [];
  for (let i = 0; i < n; i++) {
    const t = (i * spp) / sr;
    const amp = Math.round(120 * (0.2 + 0.8 * Math.abs(Math.sin(t * 0.7))) * (0.6 + 0.4 * Math.abs(Math.sin(i * 0.37))));
    data.push(-amp, amp);
  }
  return { version: 2, channels: 1, sample_rate: sr, samples_per_pixel: spp, bits: 8, length: n, data };
}
function shots() {
  const cuts = [0, 8000, 17500, 31000, 44000, 52500];
  return { shots: cuts.map((c, i) => ({ start_ms: c, end_ms: cuts[i + 1] || DUR, thumb_url: "media/sprite.jpg" })), keyframes_ms: cuts,
    filmstrips: [{ interval_ms: 1000, tile_width: 96, tile_height: 54, columns: 10, rows: 6, count: 60, sprites: ["media/sprite.jpg"] }] };
}
function frames() {
  const ts = [];
  for (let i = 0; i < (DUR / 1000) * 25; i++) ts.push(i * 40);
  return { fps: 25, timestamps_ms: ts };
}
const json = (status, body) => new Response(body === null ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const realFetch = window.fetch.bind(window);
window.fetch = async (input, init = {}) => {
  const url = typeof input === "string" ? input : input.url;
  const method = (init.method || "GET").toUpperCase();
  const path = url.replace(location.origin, "").split("?")[0];
  window.__fakeCalls.push({ method, path, body: init.body ? JSON.parse(init.body) : null, csrf: init.headers && init.headers["X-CSRFToken"] });
  await new Promise((r) => setTimeout(r, 15));
  if (path === "/api/tasks/12/") return json(200, task);
  if (path === "/api/projects/3/") return json(200, { id: 3, name: "Dev project", instructions: "", schema, overlap: 2, agreement_threshold: 0.7, role: "annotator", counts: {} });
  if (path === "/api/tasks/12/annotations/" && method === "GET") return json(200, { count: 2, next: null, previous: null, results: mode === "review" ? [ann, other] : [ann] });
  if (path === "/api/annotations/40/" && method === "PUT") {
    const body = JSON.parse(init.body);
    if (conflictOnce || body.version !== ann.version) {
      conflictOnce = false;
      ann = Object.assign({}, ann, { version: ann.version + 2 });
      return json(409, { detail: "This annotation was saved by someone else.", current_version: ann.version, current: ann });
    }
    ann = Object.assign({}, ann, { version: ann.version + 1, result: body.result });
    return json(200, ann);
  }
  if (path === "/api/annotations/40/submit/") { ann.status = "submitted"; return json(200, ann); }
  if (path === "/api/tasks/12/predictions/") return json(200, many ? [] : [{ id: 9, model: "vad", model_version: "1.2", score: 0.8, result: { regions: [
    { id: "s1", track: "speech", label: "speech", start_ms: 14000, end_ms: 19000, score: 0.91 },
    { id: "s2", track: "events", label: "clap", time_ms: 21000, score: 0.6 } ] } }]);
  if (/^\/api\/assets\/\d+\/waveform\/$/.test(path)) return json(200, waveform());
  if (/^\/api\/assets\/\d+\/shots\/$/.test(path)) return json(200, shots());
  if (/^\/api\/assets\/\d+\/frames\/$/.test(path)) return json(200, frames());
  if (path === "/api/projects/3/next/") return json(204, null);
  if (path === "/api/tasks/12/skip/") return json(200, {});
  if (path === "/api/review-items/4/") return json(200, { id: 4, task: 12, reason: "low agreement", state: "open", claimed_by: null, claim_expires_at: null,
    conflicts: [{ track: "speech", start_ms: 1200, end_ms: 6100, kind: "boundary", annotators: ["ann_a", "ann_b"] }, { track: "speech", start_ms: 13000, end_ms: 15000, kind: "missing", annotators: ["ann_b"] }] });
  if (path === "/api/review-items/4/claim/") return json(200, {});
  if (path === "/api/review-items/4/resolve/") return json(200, { id: 50 });
  if (path.startsWith("/api/")) return json(404, { detail: "Not found." });
  return realFetch(input, init);
};
