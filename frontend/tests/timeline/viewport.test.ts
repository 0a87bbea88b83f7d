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

  it("scroll follow keeps the playhead at 30 % of the width once it gets there", () => {
    const v = new Viewport(60_000);
    v.setWidth(1000);
    v.setZoom(10, 0, 0); // 10 s in view
    expect(v.scrollWith(2000)).toBe(false); // before the anchor: the window waits
    expect(v.startMs).toBe(0);
    expect(v.scrollWith(3500)).toBe(true);
    expect(v.startMs).toBe(500);
    expect(v.timeToPx(3500)).toBe(300);
    for (let t = 3500; t <= 20_000; t += 40) v.scrollWith(t);
    expect(v.timeToPx(20_000 - ((20_000 - 3500) % 40))).toBe(300);
    v.scrollWith(58_000); // the end of the recording: the window stops at the edge
    expect(v.startMs).toBe(50_000);
    expect(v.timeToPx(58_000)).toBe(800);
  });

  it("scroll follow brings back a playhead that a seek put off the window", () => {
    const v = new Viewport(60_000);
    v.setWidth(1000);
    v.setZoom(10, 30_000, 0);
    expect(v.scrollWith(5000)).toBe(true);
    expect(v.startMs).toBe(2000);
  });

  it("page follow moves the window only when the playhead nears its edge", () => {
    const v = new Viewport(60_000);
    v.setWidth(1000);
    v.setZoom(10, 0, 0);
    expect(v.track(3500, "page")).toBe(false);
    expect(v.startMs).toBe(0);
    expect(v.track(9600, "page")).toBe(true);
    expect(v.startMs).toBe(8600);
    expect(v.track(9640, "scroll")).toBe(false); // 9640 is before the scroll anchor (11 600)
  });
});
