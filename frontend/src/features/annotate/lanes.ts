import { clear, formatMs, h } from "../../dom";
import { edgeLimits, overlapping } from "../../timeline/overlap";
import { rulerStep } from "../../timeline/ruler";
import type { Region } from "../../timeline/types";
import { type HitSpec, syncHits } from "./lanehits";
import { LanePainter } from "./lanepaint";
import type { Lane, Layer, Workbench } from "./workbench";

export const HEADER_PX = 150;
const LANE_PX = 30;
/** Above this many visible regions a lane keeps no DOM nodes and hit-tests by binary search only. */
const DOM_REGION_LIMIT = 300;
const EDGE_PX = 5;
const HITS_SETTLE_MS = 150;

interface LaneView {
  lane: Lane;
  row: HTMLElement;
  canvas: HTMLCanvasElement;
  hits: HTMLElement;
}

type Drag =
  | { kind: "create"; lane: Lane; layer: Layer; startX: number; startMs: number; curMs: number; moved: boolean }
  | { kind: "edge"; lane: Lane; layer: Layer; id: string; edge: "start" | "end"; limits: [number, number] }
  | { kind: "point"; lane: Lane; layer: Layer; id: string }
  | { kind: "seek"; startX: number };

/**
 * The lanes of the timeline, drawn on canvases. Only the regions inside the visible window are
 * visited (binary search per lane) and DOM hit targets exist only when few are visible, so
 * thousands of regions cost nothing while playing: a tick moves one playhead element, and lanes
 * redraw only when the window pages, the zoom changes or the regions change.
 */
export class LanesView {
  readonly el: HTMLElement;
  readonly extraRows: HTMLElement;
  private rulerCanvas: HTMLCanvasElement;
  private overview: HTMLCanvasElement;
  private lanesBox: HTMLElement;
  private playhead: HTMLElement;
  private views: LaneView[] = [];
  private drag: Drag | null = null;
  private pendingDraw = false;
  private viewKey = "";
  private settleTimer: ReturnType<typeof setTimeout> | null = null;
  private painter: LanePainter;

  constructor(private wb: Workbench) {
    this.painter = new LanePainter(wb);
    this.rulerCanvas = h("canvas", { class: "tl-canvas", testid: "ruler" });
    this.overview = h("canvas", { class: "tl-canvas tl-overview", testid: "overview-bar" });
    this.lanesBox = h("div", { class: "tl-lanes" });
    this.extraRows = h("div", { class: "tl-extra" });
    this.playhead = h("div", { class: "tl-playhead", testid: "playhead" });
    this.el = h(
      "div",
      { class: "timeline", testid: "timeline" },
      h("div", { class: "tl-row tl-ruler-row" }, h("div", { class: "tl-head", text: "" }), h("div", { class: "tl-body" }, this.rulerCanvas)),
      this.extraRows,
      this.lanesBox,
      h("div", { class: "tl-row tl-overview-row" }, h("div", { class: "tl-head tl-small", text: "overview" }), h("div", { class: "tl-body" }, this.overview)),
      this.playhead,
    );
    wb.events.on("redraw", () => this.requestDraw());
    wb.events.on("viewport", () => this.requestDraw());
    wb.events.on("mark", () => this.requestDraw());
    wb.clock.on("time", (e) => {
      // playing: scroll with the playhead (or page); a seek only brings it back into view
      if (wb.clock.playing || e.seeking) {
        if (wb.viewport.track(e.timeMs, wb.clock.playing && !e.seeking ? wb.followMode : "page")) wb.viewportChanged();
      }
      this.placePlayhead();
      this.drawOverview();
    });
    this.rulerCanvas.addEventListener("pointerdown", (e) => this.seekFromEvent(e, this.rulerCanvas));
    this.overview.addEventListener("pointerdown", (e) => this.overviewDrag(e));
    this.el.addEventListener("wheel", (e) => this.onWheel(e), { passive: false });
    window.addEventListener("pointermove", (e) => this.onMove(e));
    window.addEventListener("pointerup", () => this.onUp());
  }

  setLanes(lanes: Lane[]): void {
    this.wb.lanes = lanes;
    clear(this.lanesBox);
    this.views = lanes.map((lane) => {
      const canvas = h("canvas", { class: "tl-canvas" });
      const hits = h("div", { class: "tl-hits" });
      const body = h("div", { class: "tl-body tl-lane-body", testid: `lane-${lane.key}`, "data-track": lane.track.name }, canvas, hits);
      const row = h(
        "div",
        { class: `tl-row tl-lane${lane.layers.some((l) => l.editable) ? " editable" : ""}` },
        h("div", { class: "tl-head", title: `${lane.title} (${lane.track.kind})` }, h("span", { class: "tl-title", text: lane.title }), h("span", { class: "tl-kind", text: lane.track.kind })),
        body,
      );
      const view = { lane, row, canvas, hits };
      body.addEventListener("pointerdown", (e) => this.onDown(e, view));
      this.lanesBox.append(row);
      return view;
    });
    this.requestDraw();
  }

  /** Recompute the width after layout changes. */
  resize(): void {
    const w = Math.max(100, this.el.clientWidth - HEADER_PX);
    this.wb.viewport.setWidth(w);
    this.wb.viewportChanged();
  }

  requestDraw(): void {
    if (this.pendingDraw) return;
    this.pendingDraw = true;
    requestAnimationFrame(() => {
      this.pendingDraw = false;
      this.drawAll();
    });
  }

  drawAll(): void {
    // While the window moves (wheel, drag, zoom) the lanes keep no DOM hit targets (pointer hits
    // use the binary search): repositioning hundreds of nodes every frame costs more than the
    // drawing. They come back once the window has been still for HITS_SETTLE_MS.
    const vp = this.wb.viewport;
    const key = `${vp.startMs}:${vp.msPerPx}:${vp.widthPx}`;
    const moving = key !== this.viewKey;
    this.viewKey = key;
    if (moving) {
      if (this.settleTimer !== null) clearTimeout(this.settleTimer);
      this.settleTimer = setTimeout(() => {
        this.settleTimer = null;
        this.requestDraw();
      }, HITS_SETTLE_MS);
    }
    this.drawRuler();
    for (const v of this.views) this.drawLane(v, moving);
    this.drawOverview();
    this.placePlayhead();
  }

  private placePlayhead(): void {
    const x = this.wb.viewport.timeToPx(this.wb.clock.timeMs);
    const visible = x >= 0 && x <= this.wb.viewport.widthPx;
    this.playhead.style.display = visible ? "block" : "none";
    this.playhead.style.transform = `translateX(${HEADER_PX + x}px)`;
  }

  private sizeCanvas(c: HTMLCanvasElement, heightPx: number): CanvasRenderingContext2D {
    const dpr = window.devicePixelRatio || 1;
    const w = this.wb.viewport.widthPx;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(heightPx * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(heightPx * dpr);
      c.style.width = `${w}px`;
      c.style.height = `${heightPx}px`;
    }
    const ctx = c.getContext("2d") as CanvasRenderingContext2D;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, heightPx);
    return ctx;
  }

  private drawRuler(): void {
    const vp = this.wb.viewport;
    const ctx = this.sizeCanvas(this.rulerCanvas, 20);
    const step = rulerStep(vp.msPerPx);
    ctx.fillStyle = "#5b6474";
    ctx.strokeStyle = "#b9c0cc";
    ctx.font = "10px system-ui, sans-serif";
    ctx.beginPath();
    for (let t = Math.floor(vp.startMs / step) * step; t <= vp.endMs; t += step) {
      const x = Math.round(vp.timeToPx(t)) + 0.5;
      ctx.moveTo(x, 12);
      ctx.lineTo(x, 20);
      ctx.fillText(formatMs(t), x + 3, 10);
    }
    ctx.stroke();
    // frame ticks when a frame is wider than 6 px
    const f = this.wb.frames;
    if (f && f.frameDurationMs / vp.msPerPx >= 6) {
      ctx.beginPath();
      for (const t of f.boundariesIn(vp.startMs, vp.endMs)) {
        const x = Math.round(vp.timeToPx(t)) + 0.5;
        ctx.moveTo(x, 16);
        ctx.lineTo(x, 20);
      }
      ctx.stroke();
    }
  }

  private drawLane(v: LaneView, moving: boolean): void {
    const vp = this.wb.viewport;
    const ctx = this.sizeCanvas(v.canvas, LANE_PX);
    const W = vp.widthPx;
    // conflicts of this lane's track
    for (const c of this.wb.conflicts) {
      if (c.track !== v.lane.track.name) continue;
      const x0 = vp.timeToPx(c.start_ms);
      const x1 = vp.timeToPx(c.end_ms);
      if (x1 < 0 || x0 > W) continue;
      ctx.fillStyle = "rgba(230, 57, 70, 0.16)";
      ctx.fillRect(x0, 0, Math.max(2, x1 - x0), LANE_PX);
      ctx.fillStyle = "#e63946";
      ctx.fillRect(x0, LANE_PX - 3, Math.max(2, x1 - x0), 3);
    }
    const hitSpecs: HitSpec[] = [];
    let visibleTotal = 0;
    const slot = v.lane.layers.length > 1 ? (LANE_PX - 4) / v.lane.layers.length : LANE_PX - 4;
    v.lane.layers.forEach((layer, li) => {
      const idx = this.wb.index(layer);
      const vis = idx.visible(vp.startMs, vp.endMs);
      visibleTotal += vis.length;
      const y = 2 + (v.lane.layers.length > 1 && layer.style === "suggestion" ? li * slot : 0);
      const hgt = v.lane.layers.length > 1 && layer.style === "suggestion" ? slot : LANE_PX - 4;
      this.painter.drawBatched(ctx, v.lane, layer, idx, vis, y, hgt);
      if (vis.length <= DOM_REGION_LIMIT) {
        for (const i of vis) {
          const r = idx.regions[i];
          const x0 = vp.timeToPx(idx.starts[i]);
          const x1 = vp.timeToPx(idx.ends[i]);
          const point = idx.starts[i] === idx.ends[i];
          const left = point ? x0 - 4 : Math.max(-2, x0);
          const width = point ? 8 : Math.max(3, Math.min(W + 2, x1) - left);
          hitSpecs.push({
            className: `tl-hit${layer.style === "suggestion" ? " suggestion" : ""}`,
            testid: `${layer.testidPrefix}${r.id}`,
            regionId: r.id,
            layer: layer.key,
            label: r.label ?? "",
            title: `${r.label ?? r.text ?? ""} ${formatMs(idx.starts[i])}–${formatMs(idx.ends[i])}`,
            left: `${left}px`,
            width: `${width}px`,
            top: `${y}px`,
            height: `${hgt}px`,
          });
        }
      }
    });
    if (this.wb.markIn !== null && v.lane.layers.some((l) => l.editable)) {
      const x = vp.timeToPx(this.wb.markIn);
      ctx.fillStyle = "#111";
      ctx.fillRect(x - 1, 0, 2, LANE_PX);
      ctx.beginPath();
      ctx.moveTo(x, 0);
      ctx.lineTo(x + 7, 0);
      ctx.lineTo(x, 7);
      ctx.fill();
    }
    if (this.drag && this.drag.kind === "create" && this.drag.lane === v.lane) {
      const a = Math.min(this.drag.startMs, this.drag.curMs);
      const b = Math.max(this.drag.startMs, this.drag.curMs);
      ctx.fillStyle = "rgba(30, 30, 30, 0.18)";
      ctx.fillRect(vp.timeToPx(a), 2, (b - a) / vp.msPerPx, LANE_PX - 4);
    }
    syncHits(v.hits, visibleTotal <= DOM_REGION_LIMIT && !moving ? hitSpecs : []);
  }

  private drawOverview(): void {
    const vp = this.wb.viewport;
    const ctx = this.sizeCanvas(this.overview, 12);
    const W = vp.widthPx;
    const scale = W / Math.max(1, vp.durationMs);
    ctx.fillStyle = "#e3e7ee";
    ctx.fillRect(0, 0, W, 12);
    ctx.fillStyle = "rgba(79, 140, 255, 0.35)";
    ctx.fillRect(vp.startMs * scale, 0, Math.max(3, (vp.endMs - vp.startMs) * scale), 12);
    ctx.fillStyle = "#d62828";
    ctx.fillRect(this.wb.clock.timeMs * scale - 1, 0, 2, 12);
  }

  private timeAt(e: MouseEvent, el: HTMLElement): number {
    const rect = el.getBoundingClientRect();
    return this.wb.viewport.pxToMs(e.clientX - rect.left);
  }

  private seekFromEvent(e: PointerEvent, el: HTMLElement): void {
    this.wb.clock.seek(this.wb.snap(this.timeAt(e, el)));
  }

  private overviewDrag(e: PointerEvent): void {
    const go = (ev: MouseEvent): void => {
      const rect = this.overview.getBoundingClientRect();
      const t = ((ev.clientX - rect.left) / rect.width) * this.wb.viewport.durationMs;
      this.wb.viewport.scrollTo(t - (this.wb.viewport.endMs - this.wb.viewport.startMs) / 2);
      this.wb.viewportChanged();
    };
    go(e);
    const move = (ev: PointerEvent): void => go(ev);
    const up = (): void => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
  }

  private onWheel(e: WheelEvent): void {
    const vp = this.wb.viewport;
    const rect = this.el.getBoundingClientRect();
    const px = e.clientX - rect.left - HEADER_PX;
    if (e.ctrlKey || e.metaKey || e.altKey) {
      e.preventDefault();
      vp.setZoom(vp.msPerPx * Math.exp(e.deltaY * 0.002), vp.pxToTime(px), px);
      this.wb.viewportChanged();
    } else if (Math.abs(e.deltaX) > Math.abs(e.deltaY) || e.shiftKey) {
      e.preventDefault();
      vp.scrollTo(vp.startMs + (e.deltaX || e.deltaY) * vp.msPerPx);
      this.wb.viewportChanged();
    }
  }

  /** The region under a pointer event: a DOM hit node when present, else a binary-search hit test. */
  private hitTest(e: PointerEvent, v: LaneView): { layer: Layer; region: Region } | null {
    const t = e.target as HTMLElement;
    const rid = t.dataset?.regionId;
    if (rid) {
      const layer = v.lane.layers.find((l) => l.key === t.dataset.layer);
      const region = layer?.regions().find((r) => r.id === rid);
      if (layer && region) return { layer, region };
    }
    const ms = this.timeAt(e, v.canvas);
    const tol = 5 * this.wb.viewport.msPerPx;
    for (const layer of [...v.lane.layers].sort((a, b) => Number(b.editable) - Number(a.editable))) {
      const region = this.wb.index(layer).hit(ms, tol);
      if (region) return { layer, region };
    }
    return null;
  }

  private onDown(e: PointerEvent, v: LaneView): void {
    if (e.button !== 0) return;
    const wb = this.wb;
    const ms = this.timeAt(e, v.canvas);
    const hit = this.hitTest(e, v);
    if (wb.relationFrom) {
      if (hit) wb.events.emit("relation-target", { layer: hit.layer, id: hit.region.id });
      return;
    }
    const editable = v.lane.layers.find((l) => l.editable);
    if (hit) {
      wb.select({ layer: hit.layer, id: hit.region.id }, "click");
      if (hit.layer.editable) {
        const r = hit.region;
        if (typeof r.start_ms === "number" && typeof r.end_ms === "number") {
          const x = e.clientX - v.canvas.getBoundingClientRect().left;
          const xs = wb.viewport.timeToPx(r.start_ms);
          const xe = wb.viewport.timeToPx(r.end_ms);
          const edge = Math.abs(x - xs) <= EDGE_PX ? "start" : Math.abs(x - xe) <= EDGE_PX ? "end" : null;
          if (edge) {
            const limits = edgeLimits(v.lane.track, hit.layer.regions(), r, edge, wb.clock.durationMs);
            this.drag = { kind: "edge", lane: v.lane, layer: hit.layer, id: r.id, edge, limits };
            this.origin = { id: r.id, values: { start_ms: r.start_ms, end_ms: r.end_ms } };
            e.preventDefault();
          }
        } else if (typeof r.time_ms === "number") {
          this.drag = { kind: "point", lane: v.lane, layer: hit.layer, id: r.id };
          this.origin = { id: r.id, values: { time_ms: r.time_ms } };
          e.preventDefault();
        }
      }
      return;
    }
    const kind = v.lane.track.kind;
    if (editable && (kind === "segment" || kind === "transcript")) {
      const start = wb.snap(ms);
      this.drag = { kind: "create", lane: v.lane, layer: editable, startX: e.clientX, startMs: start, curMs: start, moved: false };
      e.preventDefault();
      return;
    }
    wb.select(null);
    wb.clock.seek(wb.snap(ms));
  }

  private onMove(e: PointerEvent): void {
    const d = this.drag;
    if (!d || d.kind === "seek") return;
    const v = this.views.find((x) => x.lane === d.lane);
    if (!v) return;
    const ms = this.wb.snap(this.timeAt(e, v.canvas));
    if (d.kind === "create") {
      d.curMs = ms;
      if (Math.abs(e.clientX - d.startX) > 3) d.moved = true;
      this.requestDraw();
    } else if (d.kind === "edge") {
      const r = this.wb.store.get(d.id);
      if (!r) return;
      const t = Math.min(d.limits[1], Math.max(d.limits[0], ms));
      const patch = d.edge === "start" ? { start_ms: Math.min(t, (r.end_ms ?? t) - 1) } : { end_ms: Math.max(t, (r.start_ms ?? t) + 1) };
      this.previewPatch(d.id, patch);
    } else if (d.kind === "point") {
      this.previewPatch(d.id, { time_ms: ms });
    }
  }

  private preview: { id: string; patch: Partial<Region> } | null = null;

  /** During a drag the region is patched in place for drawing; the store gets one undoable update on release. */
  private previewPatch(id: string, patch: Partial<Region>): void {
    const first = this.preview?.id === id ? this.preview.patch : {};
    this.preview = { id, patch: { ...first, ...patch } };
    const r = this.wb.store.get(id);
    if (r) Object.assign(r, patch);
    this.wb.store.revision++;
    this.requestDraw();
  }

  private onUp(): void {
    const d = this.drag;
    this.drag = null;
    if (!d) return;
    const wb = this.wb;
    if (d.kind === "create") {
      if (!d.moved) {
        wb.select(null);
        wb.clock.seek(d.startMs);
        this.requestDraw();
        return;
      }
      const a = Math.min(d.startMs, d.curMs);
      const b = Math.max(d.startMs, d.curMs);
      wb.events.emit("create-segment", { track: d.lane.track.name, start: a, end: b });
      this.requestDraw();
      return;
    }
    const origin = this.origin;
    this.origin = null;
    if ((d.kind === "edge" || d.kind === "point") && this.preview && origin) {
      const { id, patch } = this.preview;
      this.preview = null;
      const r = wb.store.get(id);
      if (!r) return;
      // put the pre-drag values back so the update records a real before/after pair
      const final: Partial<Region> = {};
      for (const k of Object.keys(patch)) (final as Record<string, unknown>)[k] = (r as unknown as Record<string, unknown>)[k];
      Object.assign(r, origin.values);
      const clash = overlapping(d.lane.track, wb.store.byTrack(d.lane.track.name), { ...r, ...final });
      wb.store.revision++;
      if (clash.length) {
        wb.status(`Overlaps ${clash.length} region(s) on ${d.lane.track.name}; change reverted`);
        this.requestDraw();
        return;
      }
      wb.store.update(id, final, d.kind === "edge" ? "resize" : "move");
    }
  }

  private origin: { id: string; values: Partial<Region> } | null = null;
}
