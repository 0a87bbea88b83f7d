import { describe, expect, it } from "vitest";
import { edgeLimits, overlapping, overlapRule } from "../../src/timeline/overlap";
import type { Region, Track } from "../../src/timeline/types";

const seg = (id: string, a: number, b: number, label = "x", track = "t"): Region => ({ id, track, label, start_ms: a, end_ms: b });

describe("overlap rules", () => {
  it("defaults transcripts to no overlap and other tracks to allow", () => {
    expect(overlapRule({ name: "w", kind: "transcript" })).toBe("none");
    expect(overlapRule({ name: "s", kind: "segment" })).toBe("allow");
    expect(overlapRule({ name: "s", kind: "segment", overlap: "same-label" })).toBe("same-label");
  });

  it("finds the regions a candidate would overlap under 'none'", () => {
    const t: Track = { name: "t", kind: "segment", overlap: "none" };
    const rs = [seg("a", 0, 100), seg("b", 100, 200), seg("c", 300, 400), seg("z", 0, 1000, "x", "other")];
    expect(overlapping(t, rs, seg("n", 50, 150))).toEqual(["a", "b"]);
    expect(overlapping(t, rs, seg("n", 200, 300))).toEqual([]);
  });

  it("only forbids equal labels under 'same-label'", () => {
    const t: Track = { name: "t", kind: "segment", overlap: "same-label" };
    const rs = [seg("a", 0, 100, "x"), seg("b", 0, 100, "y")];
    expect(overlapping(t, rs, seg("n", 50, 150, "y"))).toEqual(["b"]);
  });

  it("allows everything under 'allow'", () => {
    const t: Track = { name: "t", kind: "segment" };
    expect(overlapping(t, [seg("a", 0, 100)], seg("n", 0, 100))).toEqual([]);
  });

  it("stops a dragged edge at the neighbour", () => {
    const t: Track = { name: "t", kind: "segment", overlap: "none" };
    const rs = [seg("a", 0, 100), seg("m", 200, 300), seg("c", 450, 500)];
    expect(edgeLimits(t, rs, rs[1], "start", 1000)).toEqual([100, 300]);
    expect(edgeLimits(t, rs, rs[1], "end", 1000)).toEqual([200, 450]);
    const free: Track = { name: "t", kind: "segment" };
    expect(edgeLimits(free, rs, rs[1], "end", 1000)).toEqual([200, 1000]);
  });
});
