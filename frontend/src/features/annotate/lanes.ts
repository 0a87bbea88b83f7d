import { clear, formatMs, h } from "../../dom";
import { edgeLimits, overlapping } from "../../timeline/overlap";
import type { Region } from "../../timeline/types";
import { EDGE_PX, LaneDrag, cursorFor, zoneAt, type DragPreview, type DragRules, type DragStart } from "./lanedrag";
import { type HitSpec, pickRegion, syncHits } from "./lanehits";
import { LanePainter } from "./lanepaint";
import { LaneWordEdit } from "./lanewordedit";
import { paintOverview, paintRuler, sizeCanvas } from "./timelinepaint";
import type { Lane, Layer, Workbench } from "./workbench";

const HEADER_PX = 150;
const LANE_PX = 30;
/** Above this many visible regions a lane keeps no DOM nodes and hit-tests by binary search only. */
const DOM_REGION_LIMIT = 300;
const HITS_SETTLE_MS = 150;

interface LaneView {
  lane: Lane;
  row: HTMLElement;
  body: HTMLElement;
  canvas: HTMLCanvasElement;
  hits: HTMLElement;
}

/** A drag in progress: the pure state machine plus where it happens (no lane: the ruler). */
interface ActiveDrag {
  machine: LaneDrag;
  view: LaneView | null;
  layer: Layer | null;
}

/**
 * The lanes of the timeline, drawn on canvases. Only the regions inside the visible window are
 * visited (binary search per lane) and DOM hit targets exist only when few are visible, so
 * thousands of regions cost nothing while playing: a tick moves one playhead element, and lanes
 * redraw only when the window pages, the zoom changes or the regions change. A drag repaints only
 * its own lane, drawing the dragged region's preview over the store's unchanged regions.
 */
export class LanesView {
  readonly el: HTMLElement;
  readonly extraRows: HTMLElement;
  private rulerCanvas: HTMLCanvasElement;
  private overview: HTMLCanvasElement;
  private lanesBox: HTMLElement;
  private playhead: HTMLElement;
  private views: LaneView[] = [];
  private drag: ActiveDrag | null = null;
  /** What the next animation frame repaints: everything, or only the lanes a drag changed. */
  private dirty: "all" | Set<LaneView> | null = null;
  private viewKey = "";
  private settleTimer: ReturnType<typeof setTimeout> | null = null;
  private painter: LanePainter;
  /** Word editing on transcript lanes (its editors are the transcript panes'). */
  readonly words: LaneWordEdit;

  constructor(private wb: Workbench) {
    this.painter = new LanePainter(wb);
    this.words = new LaneWordEdit(wb);
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
      paintOverview(this.overview, wb.viewport, wb.clock.timeMs);
    });
    // pressing the ruler seeks, and dragging along it scrubs
    this.rulerCanvas.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      const rules = { snap: (ms: number) => this.wb.snap(ms), durationMs: this.wb.clock.durationMs, minLengthMs: 1 };
      this.startDrag({ intent: "seek", atMs: this.timeAt(e, this.rulerCanvas), x: e.clientX }, null, null, rules);
      this.wb.clock.seek((this.drag as ActiveDrag).machine.seekMs());
      e.preventDefault();
    });
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
      const view = { lane, row, body, canvas, hits };
      body.addEventListener("pointerdown", (e) => this.onDown(e, view));
      body.addEventListener("pointermove", (e) => this.hover(e, view));
      body.addEventListener("dblclick", (e) => {
        const hit = e.target instanceof HTMLInputElement ? null : this.hitTest(e, view);
        if (hit) this.words.edit(body, lane, hit.layer, hit.region, e.clientX - canvas.getBoundingClientRect().left);
      });
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
    this.schedule("all");
  }

  private schedule(what: "all" | LaneView): void {
    const first = this.dirty === null;
    if (what === "all") this.dirty = "all";
    else if (this.dirty === null) this.dirty = new Set([what]);
    else if (this.dirty !== "all") this.dirty.add(what);
    if (!first) return;
    requestAnimationFrame(() => {
      const d = this.dirty;
      this.dirty = null;
      if (d === "all") this.drawAll();
      else if (d) for (const v of d) this.drawLane(v, true);
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
    paintRuler(this.rulerCanvas, vp, this.wb.frames);
    for (const v of this.views) this.drawLane(v, false, moving);
    paintOverview(this.overview, vp, this.wb.clock.timeMs);
    this.placePlayhead();
  }

  private placePlayhead(): void {
    const x = this.wb.viewport.timeToPx(this.wb.clock.timeMs);
    const visible = x >= 0 && x <= this.wb.viewport.widthPx;
    this.playhead.style.display = visible ? "block" : "none";
    this.playhead.style.transform = `translateX(${HEADER_PX + x}px)`;
  }

  /** Paint one lane; a drag frame (`dragFrame`) leaves its DOM hit targets as they are. */
  private drawLane(v: LaneView, dragFrame: boolean, moving = false): void {
    const vp = this.wb.viewport;
    const ctx = sizeCanvas(v.canvas, vp.widthPx, LANE_PX);
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
    const preview = this.drag && this.drag.view === v ? this.drag.machine.preview() : null;
    const hitSpecs: HitSpec[] = [];
    let visibleTotal = 0;
    const slot = v.lane.layers.length > 1 ? (LANE_PX - 4) / v.lane.layers.length : LANE_PX - 4;
    v.lane.layers.forEach((layer, li) => {
      const idx = this.wb.index(layer);
      const vis = idx.visible(vp.startMs, vp.endMs);
      visibleTotal += vis.length;
      const y = 2 + (v.lane.layers.length > 1 && layer.style === "suggestion" ? li * slot : 0);
      const hgt = v.lane.layers.length > 1 && layer.style === "suggestion" ? slot : LANE_PX - 4;
      const own = preview && this.drag?.layer === layer ? preview : null;
      this.painter.drawBatched(ctx, v.lane, layer, idx, vis, y, hgt, own);
      if (dragFrame || vis.length > DOM_REGION_LIMIT) return;
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
    if (preview && preview.id === null) {
      ctx.fillStyle = "rgba(30, 30, 30, 0.18)";
      ctx.fillRect(vp.timeToPx(preview.startMs), 2, (preview.endMs - preview.startMs) / vp.msPerPx, LANE_PX - 4);
    }
    if (!dragFrame) syncHits(v.hits, visibleTotal <= DOM_REGION_LIMIT && !moving ? hitSpecs : []);
  }

  private timeAt(e: MouseEvent, el: HTMLElement): number {
    const rect = el.getBoundingClientRect();
    return this.wb.viewport.pxToMs(e.clientX - rect.left);
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
  private hitTest(e: MouseEvent, v: LaneView): { layer: Layer; region: Region } | null {
    const t = e.target as HTMLElement;
    const rid = t.dataset?.regionId;
    if (rid) {
      const layer = v.lane.layers.find((l) => l.key === t.dataset.layer);
      const region = layer?.regions().find((r) => r.id === rid);
      if (layer && region) return { layer, region };
    }
    const layers = v.lane.layers.map((layer) => ({ layer, editable: layer.editable, hit: (ms: number, tol: number) => this.wb.index(layer).hit(ms, tol) }));
    return pickRegion<Layer, Region>(layers, this.timeAt(e, v.canvas), (EDGE_PX / 2) * this.wb.viewport.msPerPx);
  }

  /** The part of an editable region a pointer is over (edge or body), for the press and the cursor. */
  private zoneOf(e: PointerEvent, v: LaneView, r: Region): ReturnType<typeof zoneAt> {
    const x = e.clientX - v.canvas.getBoundingClientRect().left;
    const vp = this.wb.viewport;
    if (typeof r.start_ms === "number" && typeof r.end_ms === "number") return zoneAt(x, vp.timeToPx(r.start_ms), vp.timeToPx(r.end_ms));
    if (typeof r.time_ms === "number") return "move";
    return null;
  }

  /** Say with the cursor what a press would do: resize at an edge, grab on a body. */
  private hover(e: PointerEvent, v: LaneView): void {
    if (this.drag) return;
    const hit = this.wb.readOnly ? null : this.hitTest(e, v);
    const zone = hit && hit.layer.editable && this.wb.kindOf(v.lane.track) !== "box" ? this.zoneOf(e, v, hit.region) : null;
    const onBoundary = zone === "move" && hit && this.words.boundaryAt(v.lane, hit.layer, hit.region, e.clientX - v.canvas.getBoundingClientRect().left);
    const cursor = onBoundary ? "ew-resize" : cursorFor(zone, false);
    if (v.body.style.cursor !== cursor) v.body.style.cursor = cursor;
  }

  /** How times snap on this lane: to the nearest frame boundary on a video lane, else to nearby cuts and frames. */
  private rulesFor(v: LaneView): DragRules {
    const wb = this.wb;
    const frames = wb.framesFor(v.lane.track);
    return {
      snap: frames ? (ms) => frames.nearestBoundary(ms) : (ms) => wb.snap(ms),
      durationMs: wb.clock.durationMs,
      minLengthMs: frames ? frames.frameDurationMs : 1,
    };
  }

  private startDrag(start: DragStart, view: LaneView | null, layer: Layer | null, rules: DragRules): void {
    this.drag = { machine: new LaneDrag(start, rules), view, layer };
  }

  private onDown(e: PointerEvent, v: LaneView): void {
    if (e.button !== 0 || e.target instanceof HTMLInputElement) return;
    const wb = this.wb;
    const ms = this.timeAt(e, v.canvas);
    const hit = this.hitTest(e, v);
    if (wb.relationFrom) {
      if (hit) wb.events.emit("relation-target", { layer: hit.layer, id: hit.region.id });
      return;
    }
    const rules = this.rulesFor(v);
    if (hit) {
      const wasSelected = wb.isSelected(hit.layer, hit.region.id);
      wb.select({ layer: hit.layer, id: hit.region.id }, "click");
      // a box is edited on the video; its lane only selects it
      if (!hit.layer.editable || this.wb.kindOf(v.lane.track) === "box") return;
      const r = hit.region;
      const zone = this.zoneOf(e, v, r) ?? "move";
      this.words.pressed(v.lane);
      const b = zone === "move" && wasSelected ? this.words.boundaryAt(v.lane, hit.layer, r, e.clientX - v.canvas.getBoundingClientRect().left) : null;
      if (b) {
        this.startDrag({ intent: "word-boundary", atMs: ms, x: e.clientX, region: r, ...b }, v, hit.layer, rules);
        v.body.style.cursor = "ew-resize";
        e.preventDefault();
        return;
      }
      const edge = zone === "resize-start" ? "start" : zone === "resize-end" ? "end" : null;
      const limits: [number, number] = edge ? edgeLimits(v.lane.track, hit.layer.regions(), r, edge, wb.clock.durationMs) : [0, wb.clock.durationMs];
      this.startDrag({ intent: zone, atMs: ms, x: e.clientX, region: r, limits }, v, hit.layer, rules);
      v.body.style.cursor = cursorFor(zone, true);
      e.preventDefault();
      return;
    }
    const editable = v.lane.layers.find((l) => l.editable);
    const kind = this.wb.kindOf(v.lane.track);
    if (editable && (kind === "segment" || kind === "transcript")) {
      this.startDrag({ intent: "draw", atMs: ms, x: e.clientX }, v, editable, rules);
      e.preventDefault();
      return;
    }
    wb.select(null);
    this.startDrag({ intent: "seek", atMs: ms, x: e.clientX }, v, null, rules);
    wb.clock.seek((this.drag as ActiveDrag).machine.seekMs());
  }

  private onMove(e: PointerEvent): void {
    const d = this.drag;
    if (!d) return;
    const canvas = d.view ? d.view.canvas : this.rulerCanvas;
    if (!d.machine.move(this.timeAt(e, canvas), e.clientX)) return;
    if (d.machine.intent === "seek") this.wb.clock.seek(d.machine.seekMs());
    else if (d.view) this.schedule(d.view);
  }

  private onUp(): void {
    const d = this.drag;
    this.drag = null;
    if (!d) return;
    if (d.view) d.view.body.style.cursor = "";
    const wb = this.wb;
    const out = d.machine.release();
    if (out.kind === "seek") {
      if (d.machine.intent === "draw") wb.select(null);
      wb.clock.seek(out.ms);
    } else if (out.kind === "create" && d.view) {
      wb.events.emit("create-segment", { track: d.view.lane.track.name, start: out.start, end: out.end });
    } else if (out.kind === "update" && d.view) {
      const track = d.view.lane.track;
      const r = wb.store.get(out.id);
      if (r) {
        const clash = overlapping(track, wb.store.byTrack(track.name), { ...r, ...out.patch });
        if (clash.length) wb.status(`Overlaps ${clash.length} region(s) on ${track.name}; change reverted`);
        else wb.store.update(out.id, out.patch, out.label);
      }
    }
    this.requestDraw();
  }

  /** The extent a drag currently shows for the dragged region (read by the drag benchmark and tests). */
  dragPreview(): DragPreview | null {
    return this.drag ? this.drag.machine.preview() : null;
  }
}
