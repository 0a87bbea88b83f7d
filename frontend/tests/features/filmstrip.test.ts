import { describe, expect, it } from "vitest";
import { filmstripTiles } from "../../src/features/annotate/filmstrip";

// 10 tiles, one per second, 64x36 thumbnails drawn 40 px high: 71.1 px wide.
const strip = { count: 10, interval_ms: 1000, tile_width: 64, tile_height: 36 };

describe("filmstrip tiles", () => {
  it("fills the whole width with the nearest tile when zoomed in (no gaps)", () => {
    const vp = { startMs: 3000, msPerPx: 1, widthPx: 500 }; // 3.0-3.5 s
    const tiles = filmstripTiles(vp, strip, 40, 0);
    expect(tiles[0].x).toBeLessThanOrEqual(0);
    const last = tiles[tiles.length - 1];
    expect(last.x + last.w).toBeGreaterThanOrEqual(500);
    for (let k = 1; k < tiles.length; k++) expect(tiles[k].x).toBeCloseTo(tiles[k - 1].x + tiles[k - 1].w, 6);
    // slot middles from ~3.0 s to ~3.5 s: tiles 3 below 3.5 s, tile 4 from 3.5 s on
    expect(tiles.map((t) => t.i)).toEqual([3, 3, 3, 3, 3, 3, 3, 4]);
    expect(tiles[0].t).toBe(3000);
  });

  it("skips tiles between slots when zoomed out and clamps to the first and last tile", () => {
    const vp = { startMs: 0, msPerPx: 50, widthPx: 400 }; // 0-20 s of a 10 s strip
    const tiles = filmstripTiles(vp, strip, 40, 0);
    expect(tiles.map((t) => t.i)).toEqual([2, 5, 9, 9, 9, 9]);
  });

  it("shifts tiles by the stream offset and draws nothing without a strip", () => {
    const tiles = filmstripTiles({ startMs: 0, msPerPx: 10, widthPx: 100 }, strip, 40, 500);
    expect(tiles.map((t) => [t.i, t.t])).toEqual([[0, 500], [1, 1500]]);
    expect(filmstripTiles({ startMs: 0, msPerPx: 10, widthPx: 100 }, null, 40, 0)).toEqual([]);
  });
});
