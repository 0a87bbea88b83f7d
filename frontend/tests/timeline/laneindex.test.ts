import { describe, expect, it } from "vitest";
import { LaneIndex } from "../../src/timeline/laneindex";
import type { Region } from "../../src/timeline/types";

function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe("LaneIndex", () => {
  it("answers window queries like a linear scan over 5,000 regions", () => {
    const rnd = lcg(7);
    const regions: Region[] = [];
    for (let i = 0; i < 5000; i++) {
      const a = Math.floor(rnd() * 3_600_000);
      regions.push({ id: `r${i}`, track: "t", label: "x", start_ms: a, end_ms: a + Math.floor(rnd() * 5000) });
    }
    const idx = new LaneIndex(regions);
    for (let q = 0; q < 50; q++) {
      const from = Math.floor(rnd() * 3_600_000);
      const to = from + Math.floor(rnd() * 60_000);
      const got = idx.visible(from, to).map((i) => idx.regions[i].id).sort();
      const want = regions.filter((r) => r.end_ms! >= from && r.start_ms! <= to).map((r) => r.id).sort();
      expect(got).toEqual(want);
    }
  });

  it("hits the shortest region under a time and finds points within a tolerance", () => {
    const idx = new LaneIndex([
      { id: "long", track: "t", start_ms: 0, end_ms: 1000 },
      { id: "short", track: "t", start_ms: 400, end_ms: 500 },
      { id: "pt", track: "t", time_ms: 800 },
    ]);
    expect(idx.hit(450, 0)?.id).toBe("short");
    expect(idx.hit(300, 0)?.id).toBe("long");
    expect(idx.hit(805, 10)?.id).toBe("pt");
    expect(idx.activeAt(500)?.id).toBe("long");
    expect(idx.hit(2000, 10)).toBeNull();
  });

  it("skips regions without times (spans, relations)", () => {
    const idx = new LaneIndex([{ id: "s", track: "e", start_char: 0, end_char: 3 }]);
    expect(idx.length).toBe(0);
  });
});
