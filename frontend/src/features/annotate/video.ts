import { h } from "../../dom";
import { boxAt, rectFromCorners, setKeyframe } from "../../timeline/boxes";
import { labelColor } from "../../timeline/colors";
import type { Region, Track } from "../../timeline/types";
import type { Workbench } from "./workbench";

/**
 * The video element with a canvas overlay for box tracks: boxes are drawn at the playhead
 * (interpolated between keyframes); dragging draws a new box, or sets a keyframe of the selected box.
 */
export class VideoView {
  readonly el: HTMLElement;
  readonly video: HTMLVideoElement;
  private overlay: HTMLCanvasElement;
  private boxTracks: Track[];
  private drag: { x0: number; y0: number; x1: number; y1: number } | null = null;
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
    this.boxTracks = wb.schema.tracks.filter((t) => t.kind === "box");
    if (this.boxTracks.length) {
      this.overlay.classList.add("drawable");
      this.overlay.addEventListener("pointerdown", (e) => this.onDown(e));
      window.addEventListener("pointermove", (e) => this.onMove(e));
      window.addEventListener("pointerup", () => this.onUp());
    }
    wb.clock.on("time", () => this.draw());
    wb.events.on("redraw", () => this.draw());
    this.video.addEventListener("loadedmetadata", () => this.draw());
  }

  /** The rectangle the frame occupies inside the element (object-fit: contain letterboxing). */
  private contentRect(): { x: number; y: number; w: number; h: number } {
    const cw = this.el.clientWidth;
    const ch = this.el.clientHeight;
    const vw = this.video.videoWidth || 16;
    const vh = this.video.videoHeight || 9;
    const s = Math.min(cw / vw, ch / vh);
    const w = vw * s;
    const hh = vh * s;
    return { x: (cw - w) / 2, y: (ch - hh) / 2, w, h: hh };
  }

  private frac(e: PointerEvent): [number, number] {
    const b = this.overlay.getBoundingClientRect();
    const r = this.contentRect();
    return [(e.clientX - b.left - r.x) / r.w, (e.clientY - b.top - r.y) / r.h];
  }

  draw(): void {
    const cw = this.el.clientWidth;
    const ch = this.el.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    if (this.overlay.width !== Math.round(cw * dpr)) this.overlay.width = Math.round(cw * dpr);
    if (this.overlay.height !== Math.round(ch * dpr)) this.overlay.height = Math.round(ch * dpr);
    const ctx = this.overlay.getContext("2d");
    if (!ctx) return;
    if (!this.boxTracks.length) return;
    if (this.boxes.rev !== this.wb.store.revision) {
      const names = new Set(this.boxTracks.map((b) => b.name));
      this.boxes = {
        rev: this.wb.store.revision,
        regions: this.wb.store.all().filter((r) => names.has(r.track)).map((region) => ({ region, track: this.wb.track(region.track) as Track })),
      };
    }
    const r = this.contentRect();
    const t = this.wb.clock.timeMs;
    const half = this.wb.frames ? this.wb.frames.frameDurationMs / 2 : 20;
    const shown = this.boxes.regions
      .map((x) => ({ ...x, b: boxAt(x.region.keyframes ?? [], t, half) }))
      .filter((x) => x.b !== null);
    // leave the overlay alone while nothing is or was drawn (no repaint over the playing video)
    if (!shown.length && !this.drag && !this.painted) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cw, ch);
    this.painted = shown.length > 0 || this.drag !== null;
    {
      for (const { track, region, b: box } of shown) {
        const b = box as NonNullable<typeof box>;
        const sel = this.wb.selection?.id === region.id && this.wb.selection.layer.editable;
        ctx.strokeStyle = labelColor(track, region.label);
        ctx.lineWidth = sel ? 3 : 2;
        ctx.strokeRect(r.x + b.x * r.w, r.y + b.y * r.h, b.w * r.w, b.h * r.h);
        ctx.fillStyle = ctx.strokeStyle;
        ctx.font = "12px system-ui, sans-serif";
        ctx.fillText(region.label ?? "", r.x + b.x * r.w + 3, r.y + b.y * r.h + 13);
      }
    }
    if (this.drag) {
      const d = rectFromCorners(this.drag.x0, this.drag.y0, this.drag.x1, this.drag.y1);
      ctx.setLineDash([5, 3]);
      ctx.strokeStyle = "#ffd400";
      ctx.lineWidth = 2;
      ctx.strokeRect(r.x + d.x * r.w, r.y + d.y * r.h, d.w * r.w, d.h * r.h);
      ctx.setLineDash([]);
    }
  }

  private onDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    const [x, y] = this.frac(e);
    this.drag = { x0: x, y0: y, x1: x, y1: y };
    e.preventDefault();
  }

  private onMove(e: PointerEvent): void {
    if (!this.drag) return;
    const [x, y] = this.frac(e);
    this.drag.x1 = x;
    this.drag.y1 = y;
    this.draw();
  }

  private onUp(): void {
    const d = this.drag;
    this.drag = null;
    if (!d) return;
    const rect = rectFromCorners(d.x0, d.y0, d.x1, d.y1);
    if (rect.w < 0.005 || rect.h < 0.005) {
      this.draw();
      return;
    }
    const wb = this.wb;
    const t = wb.frames ? wb.frames.start(wb.frames.frameAt(wb.clock.timeMs)) : wb.clock.timeMs;
    const kf = { time_ms: t, ...rect };
    const sel = wb.selection;
    const selected = sel && sel.layer.editable ? wb.store.get(sel.id) : undefined;
    if (selected && this.boxTracks.some((b) => b.name === selected.track)) {
      wb.store.update(selected.id, { keyframes: setKeyframe(selected.keyframes ?? [], kf) }, "keyframe");
    } else {
      const track = this.boxTracks.find((b) => b.name === wb.active?.track) ?? this.boxTracks[0];
      const label = wb.active?.track === track.name ? wb.active.label : track.labels?.[0]?.value;
      const id = wb.store.newId();
      wb.store.add({ id, track: track.name, label, keyframes: [kf] }, "box");
    }
    this.draw();
  }
}
