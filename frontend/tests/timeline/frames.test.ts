import { describe, expect, it } from "vitest";
import { FrameIndex } from "../../src/timeline/frames";

// A variable-frame-rate run: 40 ms frames, then 33/34 ms frames.
const ts = [0, 40, 80, 120, 153, 187, 220];

describe("FrameIndex", () => {
  it("finds the frame shown at a time from real timestamps", () => {
    const f = new FrameIndex(ts, 25);
    expect(f.frameAt(0)).toBe(0);
    expect(f.frameAt(39)).toBe(0);
    expect(f.frameAt(40)).toBe(1);
    expect(f.frameAt(186)).toBe(4);
    expect(f.frameAt(-5)).toBe(0);
    expect(f.frameAt(10_000)).toBe(6);
  });

  it("differs from currentTime × fps where the rate varies", () => {
    const f = new FrameIndex(ts, 25);
    expect(Math.floor((200 / 1000) * 25)).toBe(5);
    expect(f.frameAt(200)).toBe(5);
    expect(Math.floor((190 / 1000) * 25)).toBe(4);
    expect(f.frameAt(190)).toBe(5);
  });

  it("seeks to the middle of a frame", () => {
    const f = new FrameIndex(ts, 25);
    expect(f.seekTimeFor(3)).toBe(136.5);
    expect(f.seekTimeFor(0)).toBe(20);
  });

  it("gives the last frame the median duration", () => {
    const f = new FrameIndex(ts, 25);
    expect(f.frameDurationMs).toBe(40);
    expect(f.end(6)).toBe(260);
  });

  it("applies the stream offset to every timestamp", () => {
    const f = new FrameIndex(ts, 25, 120);
    expect(f.start(0)).toBe(120);
    expect(f.frameAt(159)).toBe(0);
    expect(f.frameAt(160)).toBe(1);
  });

  it("steps by whole frames onto frame starts", () => {
    const f = new FrameIndex(ts, 25);
    expect(f.step(100, 1)).toBe(120);
    expect(f.step(100, -1)).toBe(40);
    expect(f.step(0, -1)).toBe(0);
  });

  it("lists the boundaries inside a window", () => {
    const f = new FrameIndex(ts, 25);
    expect(f.boundariesIn(50, 160)).toEqual([80, 120, 153]);
    expect(f.boundariesIn(200, 1000)).toEqual([220, 260]);
  });

  it("rejects timestamps that are not strictly increasing integers", () => {
    expect(() => new FrameIndex([0, 40, 40], 25)).toThrow("new FrameIndex(): timestamps_ms should increase strictly (index 2)");
    expect(() => new FrameIndex([0, 40.5], 25)).toThrow("new FrameIndex(): timestamps_ms[1] should be an integer ms");
    expect(() => new FrameIndex([], 25)).toThrow("new FrameIndex(): timestamps_ms should be a non-empty array of integer ms");
  });
});
