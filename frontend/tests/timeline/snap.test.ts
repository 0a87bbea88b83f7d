import { describe, expect, it } from "vitest";
import { snapTime } from "../../src/timeline/snap";

const frames = { kind: "frame", times: [0, 40, 80, 120, 160] };
const shots = { kind: "shot", times: [0, 100, 1000] };

describe("snapTime", () => {
  it("snaps to the nearest frame boundary within the pixel threshold", () => {
    expect(snapTime(43, [frames], 1, 5)).toEqual({ timeMs: 40, kind: "frame" });
  });

  it("leaves the time alone when nothing is within the threshold", () => {
    expect(snapTime(60, [frames], 1, 5)).toEqual({ timeMs: 60, kind: null });
  });

  it("measures the threshold in pixels so a coarser zoom reaches further", () => {
    expect(snapTime(60, [frames], 10, 5)).toEqual({ timeMs: 40, kind: "frame" });
  });

  it("prefers a closer shot cut over a frame boundary", () => {
    expect(snapTime(98, [shots, frames], 2, 8)).toEqual({ timeMs: 100, kind: "shot" });
  });

  it("lets the earlier target kind win a tie", () => {
    const a = { kind: "shot", times: [50] };
    const b = { kind: "frame", times: [50] };
    expect(snapTime(52, [a, b], 1, 5)).toEqual({ timeMs: 50, kind: "shot" });
  });

  it("rounds unsnapped times to integer ms", () => {
    expect(snapTime(500.6, [], 1, 5)).toEqual({ timeMs: 501, kind: null });
  });
});
