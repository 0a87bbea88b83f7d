import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LanePainter } from "../../src/features/annotate/lanepaint";
import { Workbench } from "../../src/features/annotate/workbench";
import { Clock } from "../../src/timeline/clock";
import { RegionStore } from "../../src/timeline/commands";
import type { Schema } from "../../src/timeline/types";
import { Viewport } from "../../src/timeline/viewport";

/** Path2D as plain data: the rectangles and diamonds a batch would fill. */
class FakePath {
  rects: number[][] = [];
  moves: number[][] = [];
  rect(x: number, y: number, w: number, h: number): void {
    this.rects.push([x, y, w, h]);
  }
  moveTo(x: number, y: number): void {
    this.moves.push([x, y]);
  }
  lineTo(): void {}
  closePath(): void {}
}

/** The calls a canvas context received that say where things were drawn. */
function fakeContext(): { ctx: CanvasRenderingContext2D; fills: FakePath[]; fillRects: number[][]; strokeRects: number[][] } {
  const fills: FakePath[] = [];
  const fillRects: number[][] = [];
  const strokeRects: number[][] = [];
  const ctx = {
    fill: (p: FakePath) => fills.push(p),
    stroke: () => undefined,
    fillRect: (...a: number[]) => fillRects.push(a),
    strokeRect: (...a: number[]) => strokeRects.push(a),
    setLineDash: () => undefined,
    fillText: () => undefined,
    save: () => undefined,
    restore: () => undefined,
    beginPath: () => undefined,
    rect: () => undefined,
    clip: () => undefined,
    moveTo: () => undefined,
    lineTo: () => undefined,
  } as unknown as CanvasRenderingContext2D;
  return { ctx, fills, fillRects, strokeRects };
}

const schema: Schema = { tracks: [{ name: "speech", kind: "segment", labels: [{ value: "speech" }] }, { name: "faces", kind: "box", labels: [{ value: "face" }] }] };
const saved = (globalThis as { Path2D?: unknown }).Path2D;
beforeAll(() => {
  (globalThis as { Path2D?: unknown }).Path2D = FakePath;
});
afterAll(() => {
  (globalThis as { Path2D?: unknown }).Path2D = saved;
});

function setup() {
  const store = new RegionStore({ regions: [
    { id: "a", track: "speech", label: "speech", start_ms: 1000, end_ms: 2000 },
    { id: "b", track: "speech", label: "speech", start_ms: 5000, end_ms: 6000 },
    { id: "f", track: "faces", label: "face", keyframes: [{ time_ms: 1000, x: 0, y: 0, w: 0.1, h: 0.1 }, { time_ms: 4000, x: 0, y: 0, w: 0.1, h: 0.1 }] },
  ] });
  const vp = new Viewport(10_000);
  vp.setWidth(1000);
  vp.fitAll(); // 10 ms per px
  const wb = new Workbench(new Clock(10_000), vp, store, schema);
  return { wb, painter: new LanePainter(wb) };
}

describe("lane painting", () => {
  it("draws a dragged region at its preview extent, with grips, and not where the store has it", () => {
    const { wb, painter } = setup();
    const layer = wb.ownLayer("speech");
    const lane = { key: "speech", title: "speech", track: schema.tracks[0], layers: [layer] };
    const idx = wb.index(layer);
    const { ctx, fills, fillRects } = fakeContext();
    painter.drawBatched(ctx, lane, layer, idx, idx.visible(0, 10_000), 2, 26, { id: "b", startMs: 7000, endMs: 8000 });
    const batched = fills.flatMap((p) => p.rects);
    expect(batched).toContainEqual([100, 2, 100, 26]); // a, untouched
    expect(batched.some((r) => r[0] === 500)).toBe(false); // b is not drawn at 5000 ms
    expect(fillRects).toContainEqual([700, 2, 100, 26]); // b at 7000–8000 ms
    expect(fillRects).toContainEqual([700, 6, 3, 18]); // its start grip
    expect(fillRects).toContainEqual([797, 6, 3, 18]); // its end grip
  });

  it("marks each keyframe of a box on its lane", () => {
    const { wb, painter } = setup();
    const layer = wb.ownLayer("faces");
    const lane = { key: "faces", title: "faces", track: schema.tracks[1], layers: [layer] };
    const idx = wb.index(layer);
    const { ctx, fills } = fakeContext();
    painter.drawBatched(ctx, lane, layer, idx, idx.visible(0, 10_000), 2, 26);
    const diamonds = fills.flatMap((p) => p.moves).filter(([, y]) => y === 10); // the top point of each diamond (centre 15)
    expect(diamonds).toEqual([[100, 10], [400, 10]]);
  });
});
