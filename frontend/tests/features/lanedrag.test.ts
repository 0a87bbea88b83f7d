import { describe, expect, it } from "vitest";
import { CLICK_SLOP_PX, LaneDrag, cursorFor, zoneAt, type DragRules } from "../../src/features/annotate/lanedrag";
import { pickRegion } from "../../src/features/annotate/lanehits";
import { keyframeXs } from "../../src/features/annotate/lanepaint";
import { FrameIndex } from "../../src/timeline/frames";

// 25 fps: frame boundaries every 40 ms
const frames = new FrameIndex(Array.from({ length: 250 }, (_, i) => i * 40), 25);
const video: DragRules = { snap: (ms) => frames.nearestBoundary(ms), durationMs: 10_000, minLengthMs: 40 };
const free: DragRules = { snap: (ms) => Math.round(ms), durationMs: 10_000, minLengthMs: 1 };
const seg = { id: "s1", track: "speech", label: "speech", start_ms: 1000, end_ms: 2000 };

describe("which part of a region a pointer is over", () => {
  it("gives an 8 px target at each edge of a wide region", () => {
    // region drawn from x=100 to x=200
    expect(zoneAt(95, 100, 200)).toBeNull();
    expect(zoneAt(96, 100, 200)).toBe("resize-start");
    expect(zoneAt(104, 100, 200)).toBe("resize-start");
    expect(zoneAt(104.5, 100, 200)).toBe("move");
    expect(zoneAt(150, 100, 200)).toBe("move");
    expect(zoneAt(195.5, 100, 200)).toBe("move");
    expect(zoneAt(196, 100, 200)).toBe("resize-end");
    expect(zoneAt(204, 100, 200)).toBe("resize-end");
    expect(zoneAt(204.5, 100, 200)).toBeNull();
  });

  it("keeps the middle third of a narrow region for moving it, and a point only moves", () => {
    expect(zoneAt(101, 100, 106)).toBe("resize-start");
    expect(zoneAt(103, 100, 106)).toBe("move");
    expect(zoneAt(105, 100, 106)).toBe("resize-end");
    expect(zoneAt(102, 100, 100)).toBe("move");
  });

  it("says what a press does with the cursor", () => {
    expect(cursorFor("resize-start", false)).toBe("ew-resize");
    expect(cursorFor("resize-end", true)).toBe("ew-resize");
    expect(cursorFor("move", false)).toBe("grab");
    expect(cursorFor("move", true)).toBe("grabbing");
    expect(cursorFor(null, false)).toBe("");
  });
});

describe("the lane drag state machine", () => {
  it("moves a segment by its body, snapping its start to a frame and keeping its length", () => {
    const d = new LaneDrag({ intent: "move", atMs: 1500, x: 300, region: seg, limits: [0, 10_000] }, video);
    expect(d.preview()).toBeNull();
    d.move(1517, 320);
    // 1000 + 17 = 1017 → nearest boundary 1000; then 1000 + 333 = 1333 → 1320
    expect(d.preview()).toEqual({ id: "s1", startMs: 1000, endMs: 2000 });
    d.move(1833, 380);
    expect(d.preview()).toEqual({ id: "s1", startMs: 1320, endMs: 2320 });
    expect(d.release()).toEqual({ kind: "update", id: "s1", patch: { start_ms: 1320, end_ms: 2320 }, label: "move" });
  });

  it("keeps a moved segment inside the item", () => {
    const d = new LaneDrag({ intent: "move", atMs: 1500, x: 300, region: seg, limits: [0, 10_000] }, free);
    d.move(-5000, 0);
    expect(d.release()).toEqual({ kind: "update", id: "s1", patch: { start_ms: 0, end_ms: 1000 }, label: "move" });
    const e = new LaneDrag({ intent: "move", atMs: 1500, x: 300, region: seg, limits: [0, 10_000] }, free);
    e.move(20_000, 900);
    expect(e.release()).toEqual({ kind: "update", id: "s1", patch: { start_ms: 9000, end_ms: 10_000 }, label: "move" });
  });

  it("resizes one edge within its limits and never below one frame", () => {
    const d = new LaneDrag({ intent: "resize-end", atMs: 2000, x: 400, region: seg, limits: [1000, 2600] }, video);
    d.move(2119, 430);
    expect(d.preview()).toEqual({ id: "s1", startMs: 1000, endMs: 2120 });
    d.move(9000, 900);
    expect(d.release()).toEqual({ kind: "update", id: "s1", patch: { end_ms: 2600 }, label: "resize" });
    const s = new LaneDrag({ intent: "resize-start", atMs: 1000, x: 200, region: seg, limits: [0, 2000] }, video);
    s.move(2500, 500);
    expect(s.release()).toEqual({ kind: "update", id: "s1", patch: { start_ms: 1960 }, label: "resize" });
  });

  it("treats a press that stays within the slop as a click: no command", () => {
    const d = new LaneDrag({ intent: "move", atMs: 1500, x: 300, region: seg, limits: [0, 10_000] }, free);
    expect(d.move(1510, 300 + CLICK_SLOP_PX)).toBe(false);
    expect(d.dragging).toBe(false);
    expect(d.release()).toEqual({ kind: "none" });
  });

  it("gives no command when a drag ends where it began", () => {
    const d = new LaneDrag({ intent: "move", atMs: 1500, x: 300, region: seg, limits: [0, 10_000] }, video);
    d.move(1700, 340);
    d.move(1505, 301);
    expect(d.release()).toEqual({ kind: "none" });
  });

  it("moves a point by its time", () => {
    const pt = { id: "p1", track: "events", label: "clap", time_ms: 500 };
    const d = new LaneDrag({ intent: "move", atMs: 500, x: 100, region: pt, limits: [0, 10_000] }, video);
    d.move(731, 146);
    expect(d.preview()).toEqual({ id: "p1", startMs: 720, endMs: 720 });
    expect(d.release()).toEqual({ kind: "update", id: "p1", patch: { time_ms: 720 }, label: "move" });
  });

  it("draws a new segment either way, and a click on empty lane seeks", () => {
    const d = new LaneDrag({ intent: "draw", atMs: 3000, x: 600 }, free);
    d.move(2400.4, 480);
    expect(d.preview()).toEqual({ id: null, startMs: 2400, endMs: 3000 });
    expect(d.release()).toEqual({ kind: "create", start: 2400, end: 3000 });
    const click = new LaneDrag({ intent: "draw", atMs: 3000.6, x: 600 }, free);
    expect(click.release()).toEqual({ kind: "seek", ms: 3001 });
  });

  it("scrubs while a seek drag moves, clamped to the item", () => {
    const d = new LaneDrag({ intent: "seek", atMs: 100, x: 20 }, video);
    expect(d.seekMs()).toBe(80);
    d.move(4019, 800);
    expect(d.seekMs()).toBe(4000);
    expect(d.preview()).toBeNull();
    d.move(99_999, 2000);
    expect(d.release()).toEqual({ kind: "seek", ms: 10_000 });
  });
});

describe("hit testing without DOM targets", () => {
  it("asks the editable layer first, then the others", () => {
    const own = { layer: "own", editable: true, hit: (ms: number) => (ms >= 100 && ms <= 200 ? { id: "mine" } : null) };
    const sug = { layer: "sug", editable: false, hit: (ms: number) => (ms >= 0 && ms <= 500 ? { id: "theirs" } : null) };
    expect(pickRegion([sug, own], 150, 0)).toEqual({ layer: "own", region: { id: "mine" } });
    expect(pickRegion([sug, own], 300, 0)).toEqual({ layer: "sug", region: { id: "theirs" } });
    expect(pickRegion([sug, own], 900, 0)).toBeNull();
  });
});

describe("keyframe ticks on a box lane", () => {
  it("places one tick per keyframe on screen", () => {
    const kfs = [0, 1000, 2000, 9000].map((t) => ({ time_ms: t, x: 0, y: 0, w: 0.1, h: 0.1 }));
    expect(keyframeXs(kfs, (ms) => (ms - 500) / 10, 200)).toEqual([50, 150]);
  });
});

describe("frame boundaries", () => {
  it("snaps to the nearest boundary, the end of the last frame included", () => {
    expect([0, 19, 21, 39, 41, 9990, 10_050].map((t) => frames.nearestBoundary(t))).toEqual([0, 0, 40, 40, 40, 10_000, 10_000]);
  });
});
