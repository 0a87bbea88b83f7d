import { h } from "../../dom";
import type { Shots } from "../../api/types";
import type { Workbench } from "./workbench";

export interface FilmTile {
  /** Tile index in the sprite sheets. */
  i: number;
  /** The time the tile shows (ms on the item timeline). */
  t: number;
  x: number;
  w: number;
}

type StripGeometry = Pick<Shots["filmstrips"][number], "count" | "interval_ms" | "tile_width" | "tile_height">;

/**
 * The thumbnails across the viewport: slots one thumbnail wide, laid on a grid fixed to the
 * timeline (so they do not shimmer while scrolling), each showing the tile nearest in time to the
 * slot's middle. At any zoom every slot has a picture: zoomed in, neighbouring slots repeat a tile;
 * zoomed out, tiles between slots are skipped. Before the first and after the last tile the
 * nearest is the first or the last.
 */
export function filmstripTiles(
  vp: { startMs: number; msPerPx: number; widthPx: number },
  s: StripGeometry | null,
  heightPx: number,
  offsetMs: number,
): FilmTile[] {
  if (!s || !s.count || !s.interval_ms || !s.tile_height) return [];
  const w = (s.tile_width * heightPx) / s.tile_height;
  const origin = vp.startMs / vp.msPerPx;
  const out: FilmTile[] = [];
  for (let k = Math.floor(origin / w); k * w - origin < vp.widthPx; k++) {
    const x = k * w - origin;
    const mid = (k * w + w / 2) * vp.msPerPx;
    const i = Math.min(s.count - 1, Math.max(0, Math.round((mid - offsetMs) / s.interval_ms)));
    out.push({ i, t: i * s.interval_ms + offsetMs, x, w });
  }
  return out;
}

/**
 * Filmstrip from the server's sprite sheets, aligned to the viewport, with shot boundaries.
 * Clicking seeks to the time under the pointer.
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

  private tiles(): FilmTile[] {
    return filmstripTiles(this.wb.viewport, this.strip, this.H, this.offsetMs);
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
    this.wb.clock.seek(this.wb.viewport.pxToMs(x));
  }
}
