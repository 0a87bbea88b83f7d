import { describe, expect, it } from "vitest";
import { LaneDrag, type DragRules } from "../../src/features/annotate/lanedrag";
import { boundaryAt, laneWords, wordAtX, wordBoxes } from "../../src/features/annotate/lanewords";
import { RegionStore } from "../../src/timeline/commands";
import { FrameIndex } from "../../src/timeline/frames";
import type { Region } from "../../src/timeline/types";

// 25 fps: frame boundaries every 40 ms
const frames = new FrameIndex(Array.from({ length: 250 }, (_, i) => i * 40), 25);
const video: DragRules = { snap: (ms) => frames.nearestBoundary(ms), durationMs: 10_000, minLengthMs: 40 };
const free: DragRules = { snap: (ms) => Math.round(ms), durationMs: 10_000, minLengthMs: 1 };
const words = [
  { text: "hello", start_ms: 1000, end_ms: 1500 },
  { text: "big", start_ms: 1500, end_ms: 1800 },
  { text: "world", start_ms: 1800, end_ms: 3000 },
];
const seg: Region = { id: "t1", track: "words", start_ms: 1000, end_ms: 3000, text: "hello big world", words };
// 10 ms a pixel, the segment starting at the lane's left edge
const at10 = (ms: number): number => (ms - 1000) / 10;

describe("words laid out on a transcript lane", () => {
  it("gives each word its box in lane pixels", () => {
    expect(wordBoxes(words, at10, 400)).toEqual([
      { index: 0, x0: 0, x1: 50, text: "hello" },
      { index: 1, x0: 50, x1: 80, text: "big" },
      { index: 2, x0: 80, x1: 200, text: "world" },
    ]);
  });

  it("keeps only the words that reach into the lane", () => {
    expect(wordBoxes(words, at10, 60)?.map((b) => b.index)).toEqual([0, 1]);
    // scrolled 600 ms on: "hello" ends left of the lane, "big" is cut by its edge
    expect(wordBoxes(words, (ms) => (ms - 1600) / 10, 400)).toEqual([
      { index: 1, x0: -10, x1: 20, text: "big" },
      { index: 2, x0: 20, x1: 140, text: "world" },
    ]);
  });

  it("falls back to the segment text below 24 px a word", () => {
    // 2000 ms over 3 words: 24 px a word at 27.77 ms a pixel, 23 px at 28.98
    expect(wordBoxes(words, (ms) => (ms - 1000) / (2000 / 72), 400)).not.toBeNull();
    expect(wordBoxes(words, (ms) => (ms - 1000) / (2000 / 69), 400)).toBeNull();
    expect(wordBoxes([], at10, 400)).toBeNull();
  });

  it("finds the boundary under the pointer within 4 px, never the segment's own edges", () => {
    const boxes = wordBoxes(words, at10, 400) ?? [];
    expect(boundaryAt(boxes, 3, 50)).toBe(0);
    expect(boundaryAt(boxes, 3, 46)).toBe(0);
    expect(boundaryAt(boxes, 3, 54)).toBe(0);
    expect(boundaryAt(boxes, 3, 54.5)).toBe(-1);
    expect(boundaryAt(boxes, 3, 77)).toBe(1);
    expect(boundaryAt(boxes, 3, 0)).toBe(-1);
    expect(boundaryAt(boxes, 3, 200)).toBe(-1);
    // two boundaries 3 px apart: the nearer wins
    const close = [
      { index: 0, x0: 0, x1: 50, text: "a" },
      { index: 1, x0: 50, x1: 53, text: "b" },
      { index: 2, x0: 53, x1: 90, text: "c" },
    ];
    expect(boundaryAt(close, 3, 51)).toBe(0);
    expect(boundaryAt(close, 3, 52)).toBe(1);
  });

  it("finds the word under the pointer", () => {
    const boxes = wordBoxes(words, at10, 400) ?? [];
    expect([10, 49.9, 50, 199, 200, -1].map((x) => wordAtX(boxes, x))).toEqual([0, 0, 1, 2, -1, -1]);
  });

  it("works a segment's words out once per version of the region", () => {
    expect(laneWords(seg)).toBe(laneWords(seg));
    // words that no longer spell the text are spread over the segment again
    expect(laneWords({ ...seg, text: "hi there" })).toEqual([
      { text: "hi", start_ms: 1000, end_ms: 1571 },
      { text: "there", start_ms: 1571, end_ms: 3000 },
    ]);
  });
});

describe("dragging a word boundary on the lane", () => {
  const start = { intent: "word-boundary" as const, atMs: 1500, x: 300, region: seg, words, boundary: 0 };

  it("moves the boundary between two words, snapped to a frame, as one command on release", () => {
    const d = new LaneDrag(start, video);
    expect(d.move(1517, 302)).toBe(false); // within the click slop
    expect(d.preview()).toBeNull();
    d.move(1617, 320); // 1617 → frame boundary 1600
    expect(d.preview()).toEqual({
      id: "t1",
      startMs: 1000,
      endMs: 3000,
      words: [
        { text: "hello", start_ms: 1000, end_ms: 1600 },
        { text: "big", start_ms: 1600, end_ms: 1800 },
        words[2],
      ],
    });
    const out = d.release();
    expect(out).toEqual({
      kind: "update",
      id: "t1",
      label: "move word boundary",
      patch: {
        text: "hello big world",
        words: [
          { text: "hello", start_ms: 1000, end_ms: 1600 },
          { text: "big", start_ms: 1600, end_ms: 1800 },
          { text: "world", start_ms: 1800, end_ms: 3000 },
        ],
      },
    });
    // one undo step restores the words
    const store = new RegionStore({ regions: [seg] });
    if (out.kind !== "update") throw new Error("no command");
    store.update(out.id, out.patch, out.label);
    expect(store.get("t1")?.words?.[0].end_ms).toBe(1600);
    expect(store.undo()).toBe(true);
    expect(store.get("t1")?.words).toEqual(words);
    expect(store.canUndo()).toBe(false);
  });

  it("keeps both words at least a frame long on a video lane, 10 ms elsewhere", () => {
    const right = new LaneDrag(start, video);
    right.move(2500, 500);
    expect(right.preview()?.words?.slice(0, 2)).toEqual([
      { text: "hello", start_ms: 1000, end_ms: 1760 },
      { text: "big", start_ms: 1760, end_ms: 1800 },
    ]);
    const left = new LaneDrag(start, video);
    left.move(0, 0);
    expect(left.preview()?.words?.[0]).toEqual({ text: "hello", start_ms: 1000, end_ms: 1040 });
    const loose = new LaneDrag(start, free);
    loose.move(9999, 900);
    expect(loose.preview()?.words?.[0].end_ms).toBe(1790);
  });

  it("gives no command for a click, or for a drag back to where it began", () => {
    expect(new LaneDrag(start, video).release()).toEqual({ kind: "none" });
    const d = new LaneDrag(start, free);
    d.move(1700, 330);
    d.move(1500, 300);
    expect(d.release()).toEqual({ kind: "none" });
  });
});
