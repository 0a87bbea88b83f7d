import { describe, expect, it } from "vitest";
import { boxAt, rectFromCorners, setKeyframe } from "../../src/timeline/boxes";

const kfs = [
  { time_ms: 0, x: 0, y: 0, w: 0.2, h: 0.2 },
  { time_ms: 1000, x: 0.5, y: 0.4, w: 0.4, h: 0.2 },
];

describe("box keyframes", () => {
  it("interpolates linearly between keyframes", () => {
    expect(boxAt(kfs, 500)).toEqual({ time_ms: 500, x: 0.25, y: 0.2, w: 0.30000000000000004, h: 0.2 });
  });

  it("hides the box outside its keyframes", () => {
    expect(boxAt(kfs, 1100, 20)).toBeNull();
    expect(boxAt(kfs, 1010, 20)?.x).toBe(0.5);
  });

  it("replaces the keyframe at the same time and keeps order", () => {
    const out = setKeyframe(kfs, { time_ms: 0, x: 0.1, y: 0.1, w: 0.1, h: 0.1 });
    expect(out.map((k) => [k.time_ms, k.x])).toEqual([[0, 0.1], [1000, 0.5]]);
    expect(setKeyframe(kfs, { time_ms: 400, x: 1, y: 1, w: 0, h: 0 }).map((k) => k.time_ms)).toEqual([0, 400, 1000]);
  });

  it("builds a clamped rectangle from any two corners", () => {
    expect(rectFromCorners(0.8, 0.9, 0.2, 1.4)).toEqual({ x: 0.2, y: 0.9, w: 0.6000000000000001, h: 0.09999999999999998 });
  });
});
