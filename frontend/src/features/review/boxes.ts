import type { Annotation } from "../../api/types";
import { boxAt } from "../../timeline/boxes";
import type { Clock } from "../../timeline/clock";
import type { Schema } from "../../timeline/types";

export interface ShownBox {
  username: string;
  label: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Every shown annotator's boxes at `ms` on the schema's box tracks, interpolated between keyframes. */
export function versionBoxesAt(schema: Schema, versions: Annotation[], visible: ReadonlySet<string>, ms: number): ShownBox[] {
  // a redaction of the picture is a box too; regions without keyframes are never drawn
  const names = new Set(schema.tracks.filter((t) => t.kind === "box" || t.kind === "redact").map((t) => t.name));
  const out: ShownBox[] = [];
  for (const a of versions) {
    if (!visible.has(a.annotator.username)) continue;
    for (const r of a.result?.regions ?? []) {
      if (!names.has(r.track)) continue;
      const b = boxAt(r.keyframes ?? [], ms);
      if (b) out.push({ username: a.annotator.username, label: r.label ?? "", x: b.x, y: b.y, w: b.w, h: b.h });
    }
  }
  return out;
}

/**
 * Each shown annotator's boxes drawn over the video at the playhead (dashed, in the annotator's
 * colour, interpolated between keyframes as the editor does), under the gold boxes' own overlay.
 */
export class VersionBoxes {
  readonly canvas: HTMLCanvasElement;

  constructor(
    private host: HTMLElement,
    private video: HTMLVideoElement,
    private clock: Clock,
    private schema: Schema,
    private versions: Annotation[],
    private visible: ReadonlySet<string>,
    private colorOf: (username: string) => string,
  ) {
    this.canvas = document.createElement("canvas");
    this.canvas.className = "rv-boxes";
    this.canvas.dataset.testid = "version-boxes";
    host.append(this.canvas);
    clock.on("time", () => this.draw());
    video.addEventListener("loadedmetadata", () => this.draw());
    new ResizeObserver(() => this.draw()).observe(host);
  }

  /** Where the picture sits inside the element (letterboxed to its aspect ratio). */
  private picture(): { x: number; y: number; w: number; h: number } {
    const cw = this.host.clientWidth;
    const ch = this.host.clientHeight;
    const vw = this.video.videoWidth || cw;
    const vh = this.video.videoHeight || ch;
    const s = Math.min(cw / vw, ch / vh) || 1;
    return { x: (cw - vw * s) / 2, y: (ch - vh * s) / 2, w: vw * s, h: vh * s };
  }

  /** The boxes drawn at the current time (also what the tests read). */
  shown(): ShownBox[] {
    return versionBoxesAt(this.schema, this.versions, this.visible, this.clock.timeMs);
  }

  draw(): void {
    const dpr = window.devicePixelRatio || 1;
    const cw = this.host.clientWidth;
    const ch = this.host.clientHeight;
    this.canvas.width = Math.round(cw * dpr);
    this.canvas.height = Math.round(ch * dpr);
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cw, ch);
    const p = this.picture();
    ctx.setLineDash([6, 4]);
    ctx.lineWidth = 2;
    ctx.font = "11px system-ui, sans-serif";
    const order = this.versions.map((a) => a.annotator.username);
    for (const b of this.shown()) {
      ctx.strokeStyle = this.colorOf(b.username);
      ctx.fillStyle = ctx.strokeStyle;
      ctx.strokeRect(p.x + b.x * p.w, p.y + b.y * p.h, b.w * p.w, b.h * p.h);
      // captions alternate above and below the box, so two versions of one box stay legible
      const below = order.indexOf(b.username) % 2 === 1;
      ctx.fillText(`${b.username}: ${b.label}`, p.x + b.x * p.w + 2, below ? p.y + (b.y + b.h) * p.h + 12 : p.y + b.y * p.h - 4);
    }
    ctx.setLineDash([]);
  }
}
