import { describe, expect, it } from "vitest";
import { Viewport } from "../../src/timeline/viewport";

describe("Viewport", () => {
  it("maps time to pixels and back at one zoom", () => {
    const v = new Viewport(60_000);
    v.setWidth(1000);
    v.setZoom(10, 5000, 0);
    expect(v.startMs).toBe(5000);
    expect(v.timeToPx(5250)).toBe(25);
    expect(v.pxToTime(25)).toBe(5250);
    expect(v.pxToMs(33.3)).toBe(5333);
    expect(v.endMs).toBe(15_000);
  });

  it("fits the whole recording at the widest zoom", () => {
    const v = new Viewport(60_000);
    v.setWidth(1200);
    v.fitAll();
    expect(v.msPerPx).toBe(50);
    expect(v.timeToPx(60_000)).toBe(1200);
  });

  it("keeps the anchor under the same pixel when zooming", () => {
    const v = new Viewport(100_000);
    v.setWidth(1000);
    v.setZoom(20, 40_000, 500);
    expect(v.timeToPx(40_000)).toBe(500);
    v.zoomAround(40_000, 0.5);
    expect(v.msPerPx).toBe(10);
    expect(v.timeToPx(40_000)).toBe(500);
  });

  it("clamps zoom between the finest level and the whole recording", () => {
    const v = new Viewport(10_000, 0.5);
    v.setWidth(1000);
    v.zoomAround(0, 1e-6);
    expect(v.msPerPx).toBe(0.5);
    v.zoomAround(0, 1e6);
    expect(v.msPerPx).toBe(10);
    expect(v.startMs).toBe(0);
  });

  it("pages to keep the playhead visible and stays still while it is", () => {
    const v = new Viewport(100_000);
    v.setWidth(1000);
    v.setZoom(10, 0, 0);
    expect(v.follow(5000)).toBe(false);
    expect(v.follow(9600)).toBe(true);
    expect(v.startMs).toBe(8600);
    expect(v.follow(99_990)).toBe(true);
    expect(v.startMs).toBe(90_000);
  });
});
