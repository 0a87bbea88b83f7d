import { h } from "../../dom";
import type { Shots } from "../../api/types";
import type { Workbench } from "./workbench";

/**
 * Filmstrip from the server's sprite sheets, aligned to the viewport, with shot boundaries.
 * Clicking a thumbnail seeks to the time it shows.
 */
export class FilmstripView {
  readonly el: HTMLElement;
  private canvas: HTMLCanvasElement;
  private images = new Map<string, HTMLImageElement>();
  private strip: Shots["filmstrips"][number] | null;
  private readonly H = 40;

  constructor(
    private wb: Workbench,
    private shots: Shots,
    private offsetMs: number,
  ) {
    this.canvas = h("canvas", { class: "tl-canvas" });
    this.el = h("div", { class: "tl-body", testid: "filmstrip" }, this.canvas);
    this.strip = shots.filmstrips?.[0] ?? null;
    wb.events.on("viewport", () => this.draw());
    this.canvas.addEventListener("click", (e) => this.onClick(e));
  }

  private image(url: string): HTMLImageElement {
    let img = this.images.get(url);
    if (!img) {
      img = new Image();
      img.onload = () => this.draw();
      img.src = url;
      this.images.set(url, img);
    }
    return img;
  }

  /** Tiles to draw: every k-th tile so they do not overlap at this zoom. */
  private tiles(): { i: number; t: number; x: number; w: number }[] {
    const s = this.strip;
    if (!s || !s.count) return [];
    const vp = this.wb.viewport;
    const w = (s.tile_width * this.H) / s.tile_height;
    const tilePx = s.interval_ms / vp.msPerPx;
    const every = Math.max(1, Math.ceil(w / tilePx));
    const first = Math.max(0, Math.floor((vp.startMs - this.offsetMs) / s.interval_ms / every) * every);
    const out: { i: number; t: number; x: number; w: number }[] = [];
    for (let i = first; i < s.count; i += every) {
      const t = i * s.interval_ms + this.offsetMs;
      const x = vp.timeToPx(t);
      if (x > vp.widthPx) break;
      out.push({ i, t, x, w });
    }
    return out;
  }

  draw(): void {
    const vp = this.wb.viewport;
    const dpr = window.devicePixelRatio || 1;
    const W = vp.widthPx;
    if (this.canvas.width !== Math.round(W * dpr) || this.canvas.height !== Math.round(this.H * dpr)) {
      this.canvas.width = Math.round(W * dpr);
      this.canvas.height = Math.round(this.H * dpr);
      this.canvas.style.width = `${W}px`;
      this.canvas.style.height = `${this.H}px`;
    }
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#1d2330";
    ctx.fillRect(0, 0, W, this.H);
    const s = this.strip;
    if (s) {
      const per = s.columns * s.rows;
      for (const tile of this.tiles()) {
        const sheet = s.sprites[Math.floor(tile.i / per)];
        if (!sheet) continue;
        const img = this.image(sheet);
        if (!img.complete || !img.naturalWidth) continue;
        const k = tile.i % per;
        const sx = (k % s.columns) * s.tile_width;
        const sy = Math.floor(k / s.columns) * s.tile_height;
        ctx.drawImage(img, sx, sy, s.tile_width, s.tile_height, tile.x, 0, tile.w, this.H);
      }
    }
    ctx.fillStyle = "#ffb703";
    for (const shot of this.shots.shots ?? []) {
      const x = vp.timeToPx(shot.start_ms + this.offsetMs);
      if (x >= -2 && x <= W + 2) ctx.fillRect(x - 1, 0, 2, this.H);
    }
  }

  private onClick(e: MouseEvent): void {
    const x = e.clientX - this.canvas.getBoundingClientRect().left;
    const hit = this.tiles().find((t) => x >= t.x && x < t.x + t.w);
    this.wb.clock.seek(hit ? hit.t : this.wb.viewport.pxToMs(x));
  }
}
