import { h } from "../../dom";
import { dragBox, gripAt, gripCursor, handlePoint, HANDLES, type BoxGrip, type Rect } from "../../timeline/boxedit";
import { boxAt, rectFromCorners, setKeyframe } from "../../timeline/boxes";
import { labelColor } from "../../timeline/colors";
import { isRedact, redactionText } from "../../timeline/drawnkind";
import type { Keyframe, Region, Track } from "../../timeline/types";
import type { Workbench } from "./workbench";

/** Half the side of a handle's square as drawn, and the pointer tolerance around its centre. */
const HANDLE_PX = 4;
const GRIP_TOL_PX = 7;
const CLICK_SLOP_PX = 3;

type BoxDrag =
  | { kind: "draw"; x0: number; y0: number; x1: number; y1: number }
  | { kind: "edit"; id: string; grip: BoxGrip; fx: number; fy: number; px: number; py: number; start: Rect; cur: Rect; moved: boolean };

interface Shown {
  track: Track;
  region: Region;
  box: Keyframe;
  /** The selected box outside its keyframes, held at the nearest one: editing it adds a keyframe here. */
  ghost: boolean;
}

/**
 * The video element with a canvas overlay for box tracks. Boxes are drawn at the playhead,
 * interpolated linearly between keyframes (a box exists from its first to its last keyframe). The
 * selected box shows eight handles: dragging one resizes it, dragging its body moves it, and either
 * writes a keyframe at the current frame as one undo step. Dragging elsewhere draws a new box.
 */
export class VideoView {
  readonly el: HTMLElement;
  readonly video: HTMLVideoElement;
  private overlay: HTMLCanvasElement;
  private boxTracks: Track[];
  private drag: BoxDrag | null = null;
  private boxes: { rev: number; regions: { track: Track; region: Region }[] } = { rev: -1, regions: [] };
  private painted = true;

  constructor(
    private wb: Workbench,
    src: string,
  ) {
    this.video = h("video", { class: "video", testid: "video", preload: "auto", playsinline: true, src });
    this.video.muted = false;
    this.overlay = h("canvas", { class: "video-overlay", testid: "box-overlay" });
    this.el = h("div", { class: "video-wrap" }, this.video, this.overlay);
    this.boxTracks = wb.schema.tracks.filter((t) => wb.kindOf(t) === "box");
    if (this.boxTracks.length) {
      this.overlay.classList.add("drawable");
      this.overlay.addEventListener("pointerdown", (e) => this.onDown(e));
      this.overlay.addEventListener("pointermove", (e) => this.hover(e));
      window.addEventListener("pointermove", (e) => this.onMove(e));
      window.addEventListener("pointerup", () => this.onUp());
    }
    wb.clock.on("time", () => this.draw());
    wb.events.on("redraw", () => this.draw());
    this.video.addEventListener("loadedmetadata", () => this.draw());
  }

  /** The rectangle the frame occupies inside the element (object-fit: contain letterboxing). */
  private contentRect(): Rect {
    const cw = this.el.clientWidth;
    const ch = this.el.clientHeight;
    const vw = this.video.videoWidth || 16;
    const vh = this.video.videoHeight || 9;
    const s = Math.min(cw / vw, ch / vh);
    const w = vw * s;
    const hh = vh * s;
    return { x: (cw - w) / 2, y: (ch - hh) / 2, w, h: hh };
  }

  /** A box in frame fractions as overlay pixels. */
  private toPx(b: Rect): Rect {
    const r = this.contentRect();
    return { x: r.x + b.x * r.w, y: r.y + b.y * r.h, w: b.w * r.w, h: b.h * r.h };
  }

  private local(e: PointerEvent): [number, number] {
    const b = this.overlay.getBoundingClientRect();
    return [e.clientX - b.left, e.clientY - b.top];
  }

  private frac(e: PointerEvent): [number, number] {
    const [px, py] = this.local(e);
    const r = this.contentRect();
    return [(px - r.x) / r.w, (py - r.y) / r.h];
  }

  /** The frame the playhead is on, as the time a keyframe is written at (its start). */
  private keyTime(): number {
    const wb = this.wb;
    return wb.frames ? wb.frames.start(wb.frames.frameAt(wb.clock.timeMs)) : Math.round(wb.clock.timeMs);
  }

  private boxRegions(): { track: Track; region: Region }[] {
    if (this.boxes.rev !== this.wb.store.revision) {
      const names = new Set(this.boxTracks.map((b) => b.name));
      this.boxes = {
        rev: this.wb.store.revision,
        regions: this.wb.store.all().filter((r) => names.has(r.track)).map((region) => ({ region, track: this.wb.track(region.track) as Track })),
      };
    }
    return this.boxes.regions;
  }

  private selectedId(): string | null {
    const s = this.wb.selection;
    return s && s.layer.editable ? s.id : null;
  }

  /** The boxes at time ms (interpolated), plus the selected box as a ghost where it has none. */
  private shownAt(ms: number): Shown[] {
    const half = this.wb.frames ? this.wb.frames.frameDurationMs / 2 : 20;
    const sel = this.selectedId();
    const out: Shown[] = [];
    for (const { track, region } of this.boxRegions()) {
      const kfs = region.keyframes ?? [];
      const box = boxAt(kfs, ms, half);
      if (box) out.push({ track, region, box, ghost: false });
      else if (region.id === sel && !this.wb.readOnly) {
        const near = boxAt(kfs, ms, Infinity);
        if (near) out.push({ track, region, box: near, ghost: true });
      }
    }
    return out;
  }

  /** The boxes drawn at time ms, in frame fractions (for tests and the status line). */
  boxesAt(ms: number): { id: string; x: number; y: number; w: number; h: number; ghost: boolean }[] {
    return this.shownAt(ms).map((s) => ({ id: s.region.id, x: s.box.x, y: s.box.y, w: s.box.w, h: s.box.h, ghost: s.ghost }));
  }

  draw(): void {
    const cw = this.el.clientWidth;
    const ch = this.el.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    if (this.overlay.width !== Math.round(cw * dpr)) this.overlay.width = Math.round(cw * dpr);
    if (this.overlay.height !== Math.round(ch * dpr)) this.overlay.height = Math.round(ch * dpr);
    const ctx = this.overlay.getContext("2d");
    if (!ctx || !this.boxTracks.length) return;
    const shown = this.shownAt(this.wb.clock.timeMs);
    // leave the overlay alone while nothing is or was drawn (no repaint over the playing video)
    if (!shown.length && !this.drag && !this.painted) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cw, ch);
    this.painted = shown.length > 0 || this.drag !== null;
    const sel = this.selectedId();
    const d = this.drag;
    for (const s of shown) {
      const editing = d?.kind === "edit" && d.id === s.region.id && d.moved;
      const p = this.toPx(editing ? d.cur : s.box);
      const selected = s.region.id === sel;
      ctx.strokeStyle = labelColor(s.track, s.region.label);
      ctx.lineWidth = selected ? 3 : 2;
      if (isRedact(s.track)) this.shade(ctx, p);
      if (s.ghost && !editing) ctx.setLineDash([6, 4]);
      ctx.strokeRect(p.x, p.y, p.w, p.h);
      ctx.setLineDash([]);
      // a redaction's reason is written light on its dark fill
      ctx.fillStyle = isRedact(s.track) ? "#fff" : ctx.strokeStyle;
      ctx.font = "12px system-ui, sans-serif";
      ctx.fillText(redactionText(s.track, s.region.label), p.x + 3, p.y + 13);
      if (selected && !this.wb.readOnly) this.drawHandles(ctx, p);
    }
    if (d?.kind === "draw") {
      const r = this.toPx(rectFromCorners(d.x0, d.y0, d.x1, d.y1));
      ctx.setLineDash([5, 3]);
      ctx.strokeStyle = "#ffd400";
      ctx.lineWidth = 2;
      ctx.strokeRect(r.x, r.y, r.w, r.h);
      ctx.setLineDash([]);
    }
  }

  /** A redaction hides what it covers: a dark, hatched fill under its outline. */
  private shade(ctx: CanvasRenderingContext2D, p: Rect): void {
    ctx.save();
    ctx.fillStyle = "rgba(10, 12, 16, 0.6)";
    ctx.fillRect(p.x, p.y, p.w, p.h);
    ctx.beginPath();
    ctx.rect(p.x, p.y, p.w, p.h);
    ctx.clip();
    ctx.strokeStyle = "rgba(255, 255, 255, 0.35)";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let d = -p.h; d < p.w; d += 8) {
      ctx.moveTo(p.x + d, p.y + p.h);
      ctx.lineTo(p.x + d + p.h, p.y);
    }
    ctx.stroke();
    ctx.restore();
  }

  private drawHandles(ctx: CanvasRenderingContext2D, p: Rect): void {
    ctx.fillStyle = "#fff";
    ctx.strokeStyle = "#111";
    ctx.lineWidth = 1;
    for (const g of HANDLES) {
      const [hx, hy] = handlePoint(p, g);
      ctx.fillRect(hx - HANDLE_PX, hy - HANDLE_PX, HANDLE_PX * 2, HANDLE_PX * 2);
      ctx.strokeRect(hx - HANDLE_PX + 0.5, hy - HANDLE_PX + 0.5, HANDLE_PX * 2 - 1, HANDLE_PX * 2 - 1);
    }
  }

  /** The box and grip under a pointer: the selected box's handles first, then any box's body (topmost). */
  private gripUnder(e: PointerEvent): { shown: Shown; grip: BoxGrip } | null {
    const [px, py] = this.local(e);
    const shown = this.shownAt(this.wb.clock.timeMs);
    const sel = this.selectedId();
    const selected = shown.find((s) => s.region.id === sel);
    if (selected) {
      const g = gripAt(px, py, this.toPx(selected.box), GRIP_TOL_PX);
      if (g) return { shown: selected, grip: g };
    }
    for (let i = shown.length - 1; i >= 0; i--) {
      if (gripAt(px, py, this.toPx(shown[i].box), 0) === "body") return { shown: shown[i], grip: "body" };
    }
    return null;
  }

  private hover(e: PointerEvent): void {
    if (this.drag) return;
    const under = this.wb.readOnly ? null : this.gripUnder(e);
    const grip = under && (under.shown.region.id === this.selectedId() || under.grip === "body") ? under.grip : null;
    this.overlay.style.cursor = grip ? gripCursor(grip, false) : "";
  }

  private onDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    const wb = this.wb;
    if (wb.readOnly) {
      wb.status("This annotation is submitted: it is read-only");
      return;
    }
    const [fx, fy] = this.frac(e);
    const [px, py] = this.local(e);
    const under = this.gripUnder(e);
    e.preventDefault();
    if (under) {
      const id = under.shown.region.id;
      if (id !== this.selectedId()) wb.select({ layer: wb.ownLayer(under.shown.track.name), id }, "click");
      const b = under.shown.box;
      const start = { x: b.x, y: b.y, w: b.w, h: b.h };
      this.drag = { kind: "edit", id, grip: under.grip, fx, fy, px, py, start, cur: start, moved: false };
      this.overlay.style.cursor = gripCursor(under.grip, true);
      return;
    }
    this.drag = { kind: "draw", x0: fx, y0: fy, x1: fx, y1: fy };
  }

  private onMove(e: PointerEvent): void {
    const d = this.drag;
    if (!d) return;
    const [x, y] = this.frac(e);
    if (d.kind === "draw") {
      d.x1 = x;
      d.y1 = y;
    } else {
      const [px, py] = this.local(e);
      if (!d.moved && Math.abs(px - d.px) <= CLICK_SLOP_PX && Math.abs(py - d.py) <= CLICK_SLOP_PX) return;
      d.moved = true;
      d.cur = dragBox(d.start, d.grip, x - d.fx, y - d.fy);
    }
    this.draw();
  }

  private onUp(): void {
    const d = this.drag;
    this.drag = null;
    if (!d) return;
    this.overlay.style.cursor = "";
    const wb = this.wb;
    if (d.kind === "edit") {
      const r = wb.store.get(d.id);
      if (d.moved && r) {
        const kf = { time_ms: this.keyTime(), ...d.cur };
        wb.store.update(d.id, { keyframes: setKeyframe(r.keyframes ?? [], kf) }, d.grip === "body" ? "move box" : "resize box");
      }
      this.draw();
      return;
    }
    const rect = rectFromCorners(d.x0, d.y0, d.x1, d.y1);
    if (rect.w < 0.005 || rect.h < 0.005) {
      // a click on empty video deselects the box
      if (this.selectedId()) wb.select(null);
      this.draw();
      return;
    }
    const track = this.boxTracks.find((b) => b.name === wb.active?.track) ?? this.boxTracks[0];
    const label = wb.active?.track === track.name ? wb.active.label : track.labels?.[0]?.value;
    const id = wb.store.newId();
    wb.store.add({ id, track: track.name, label, keyframes: [{ time_ms: this.keyTime(), ...rect }] }, "box");
    wb.select({ layer: wb.ownLayer(track.name), id });
    this.draw();
  }
}
