import { describe, expect, it } from "vitest";
import { dragBox, gripAt, gripCursor, handlePoint } from "../../src/timeline/boxedit";
import { boxAt, setKeyframe } from "../../src/timeline/boxes";

describe("box handles", () => {
  const px = { x: 100, y: 50, w: 200, h: 100 };

  it("puts eight handles on the corners and the middles of the sides", () => {
    expect(handlePoint(px, "nw")).toEqual([100, 50]);
    expect(handlePoint(px, "n")).toEqual([200, 50]);
    expect(handlePoint(px, "e")).toEqual([300, 100]);
    expect(handlePoint(px, "se")).toEqual([300, 150]);
    expect(handlePoint(px, "sw")).toEqual([100, 150]);
  });

  it("finds the handle under the pointer before the body, and nothing outside", () => {
    expect(gripAt(106, 44, px, 7)).toBe("nw");
    expect(gripAt(200, 152, px, 7)).toBe("s");
    expect(gripAt(294, 100, px, 7)).toBe("e");
    expect(gripAt(150, 120, px, 7)).toBe("body");
    expect(gripAt(90, 120, px, 7)).toBeNull();
    expect(gripAt(108, 120, px, 7)).toBe("body");
  });

  it("names the resize cursor of each grip", () => {
    expect(["nw", "se", "ne", "sw", "n", "s", "e", "w"].map((g) => gripCursor(g as never, false))).toEqual([
      "nwse-resize", "nwse-resize", "nesw-resize", "nesw-resize", "ns-resize", "ns-resize", "ew-resize", "ew-resize"]);
    expect(gripCursor("body", false)).toBe("grab");
    expect(gripCursor("body", true)).toBe("grabbing");
  });
});

describe("dragging a box (frame fractions)", () => {
  const b = { x: 0.25, y: 0.25, w: 0.5, h: 0.25 };

  it("moves the body keeping the size, inside the frame", () => {
    expect(dragBox(b, "body", 0.125, -0.125)).toEqual({ x: 0.375, y: 0.125, w: 0.5, h: 0.25 });
    expect(dragBox(b, "body", 0.5, 0.875)).toEqual({ x: 0.5, y: 0.75, w: 0.5, h: 0.25 });
  });

  it("resizes from a corner or a side, flipping when a side crosses the other", () => {
    expect(dragBox(b, "se", 0.125, 0.25)).toEqual({ x: 0.25, y: 0.25, w: 0.625, h: 0.5 });
    expect(dragBox(b, "n", 0.3, -0.125)).toEqual({ x: 0.25, y: 0.125, w: 0.5, h: 0.375 });
    expect(dragBox(b, "w", 0.625, 0)).toEqual({ x: 0.75, y: 0.25, w: 0.125, h: 0.25 });
    expect(dragBox(b, "nw", -0.5, -0.5)).toEqual({ x: 0, y: 0, w: 0.75, h: 0.5 });
  });

  it("never shrinks a box below a minimum size", () => {
    expect(dragBox(b, "e", -0.5, 0)).toEqual({ x: 0.25, y: 0.25, w: 0.005, h: 0.25 });
  });
});

describe("keyframes interpolate linearly (the track model)", () => {
  // a face box set at 0 ms, moved and grown at 1000 ms, then moved back at 3000 ms
  let kfs = setKeyframe([], { time_ms: 0, x: 0.1, y: 0.2, w: 0.2, h: 0.2 });
  kfs = setKeyframe(kfs, { time_ms: 3000, x: 0.1, y: 0.2, w: 0.2, h: 0.2 });
  kfs = setKeyframe(kfs, { time_ms: 1000, x: 0.5, y: 0.4, w: 0.4, h: 0.3 });

  it("follows between the two keyframes around the time", () => {
    expect(boxAt(kfs, 250)).toEqual({ time_ms: 250, x: 0.2, y: 0.25, w: 0.25, h: 0.225 });
    const mid = boxAt(kfs, 2000);
    expect(mid?.time_ms).toBe(2000);
    expect([mid?.x, mid?.y, mid?.w, mid?.h].map((v) => Math.round((v ?? NaN) * 1e9) / 1e9)).toEqual([0.3, 0.3, 0.3, 0.25]);
    expect(boxAt(kfs, 1000)).toEqual({ time_ms: 1000, x: 0.5, y: 0.4, w: 0.4, h: 0.3 });
  });

  it("exists from its first to its last keyframe (half a frame of grace), held there for the selection", () => {
    expect(boxAt(kfs, -21, 20)).toBeNull();
    expect(boxAt(kfs, 3021, 20)).toBeNull();
    expect(boxAt(kfs, 3020, 20)?.x).toBe(0.1);
    expect(boxAt(kfs, 9000, Infinity)).toEqual({ time_ms: 9000, x: 0.1, y: 0.2, w: 0.2, h: 0.2 });
  });
});
