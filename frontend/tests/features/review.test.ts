import { describe, expect, it } from "vitest";
import type { ReviewConflict } from "../../src/features/review/api";
import { conflictTarget, describeConflict, regionName } from "../../src/features/review/conflicts";
import { initialCollapsed, lanePlan, LANE_BUDGET } from "../../src/features/review/lanes";
import { regionCaption, textPieces } from "../../src/features/review/versions";
import type { Track } from "../../src/timeline/types";

const TEXT = "Alice met Bob in Paris.";
const track = (name: string): Track => ({ name, kind: "segment", labels: [{ value: "x" }] });

describe("conflict lines", () => {
  it("a segment conflict stored before track kinds were named reads as one", () => {
    const c: ReviewConflict = { track: "speech", kind: "label", start_ms: 1000, end_ms: 1200, annotators: ["a", "c"], labels: { a: "speech", b: null, c: "music" } };
    expect(describeConflict(c)).toBe("speech label 1.00–1.20 s · a: speech, b: —, c: music");
    expect(conflictTarget(c)).toEqual({ seekMs: 1000 });
  });

  it("a span names its text and characters and points at them", () => {
    const c: ReviewConflict = { track: "entities", track_kind: "span", kind: "missing", start_char: 17, end_char: 22, text: "Paris", annotators: ["a"], labels: { a: "LOC", b: null } };
    expect(describeConflict(c)).toBe("entities missing «Paris» (characters 17–22) · a: LOC, b: —");
    expect(conflictTarget(c)).toEqual({ chars: [17, 22] });
  });

  it("a relation names its ends by label and text, never by id", () => {
    const c: ReviewConflict = {
      track: "links", track_kind: "relation", kind: "label", annotators: ["a", "b"], labels: { a: "knows", b: "likes" },
      from: { track: "entities", label: "PER", start_char: 0, end_char: 5, text: "Alice" },
      to: { track: "speech", label: "speech", start_ms: 2500 },
    };
    expect(describeConflict(c)).toBe("links label PER «Alice» → speech @ 2.50 s · a: knows, b: likes");
    expect(conflictTarget(c)).toEqual({ chars: [0, 5] });
    expect(regionName(undefined)).toBe("?");
  });

  it("boxes give the stretch and the lowest IoU; transcripts the WER and the edits", () => {
    const box: ReviewConflict = { track: "faces", track_kind: "box", kind: "iou", start_ms: 700, end_ms: 1000, min_iou: 0.3333, annotators: ["a", "b"] };
    expect(describeConflict(box)).toBe("faces iou 0.70–1.00 s · lowest IoU 0.33 · a, b");
    const words: ReviewConflict = {
      track: "words", track_kind: "transcript", kind: "words", start_ms: 0, end_ms: 2000, annotators: ["a", "b"], reference: "a",
      wer: { b: 0.5 }, edits: { b: [{ op: "substitute", ref: "bob", hyp: "rob" }, { op: "insert", ref: "", hyp: "too" }] },
    };
    expect(describeConflict(words)).toBe("words words 0.00–2.00 s · against a: b WER 0.50 (bob→rob, +too)");
    expect(conflictTarget(words)).toEqual({ seekMs: 0 });
  });
});

describe("lanes grouped by track", () => {
  it("gold first, then every version of the same track; a folded track keeps its gold lane", () => {
    const rows = lanePlan([track("speech"), track("faces")], ["a", "b"], new Set(["faces"]));
    expect(rows).toEqual([
      { track: "speech", annotator: null }, { track: "speech", annotator: "a" }, { track: "speech", annotator: "b" },
      { track: "faces", annotator: null },
    ]);
  });

  it("a task that fits folds nothing", () => {
    expect([...initialCollapsed([track("speech"), track("faces")], 2, new Set())]).toEqual([]);
  });

  it("fifteen lanes fold to the budget: conflicted tracks open first, then used ones", () => {
    const tracks = ["speech", "events", "words", "faces", "links"].map(track);
    // 5 tracks x (gold + 2 versions) = 15 lanes; 5 gold lanes + faces' 2 versions fit in 8, speech's would not
    const folded = initialCollapsed(tracks, 2, new Set(["faces"]), new Set(["speech", "faces"]));
    expect([...folded].sort()).toEqual(["events", "links", "speech", "words"]);
    expect(lanePlan(tracks, ["a", "b"], folded).length).toBe(7);
    expect(LANE_BUDGET).toBe(8);
    // with no conflict anywhere, the annotated track opens first
    expect([...initialCollapsed(tracks, 2, new Set(), new Set(["links"]))].sort()).toEqual(["events", "faces", "speech", "words"]);
    // four annotators: only the conflicted track opens (5 + 4 lanes), the rest stay folded
    expect([...initialCollapsed(tracks, 4, new Set(["faces"]))].sort()).toEqual(["events", "links", "speech", "words"]);
    // room for more, but nobody annotated the other tracks: they stay folded
    expect([...initialCollapsed(tracks, 1, new Set(["faces"]))].sort()).toEqual(["events", "links", "speech", "words"]);
    expect([...initialCollapsed(tracks, 1, new Set(["faces"]), new Set(["words"]))].sort()).toEqual(["events", "links", "speech"]);
  });
});

describe("an annotator's text", () => {
  it("is cut at every span boundary, each piece with the spans that cover it", () => {
    const spans = [
      { id: "e1", track: "entities", label: "PER", start_char: 0, end_char: 5 },
      { id: "e2", track: "entities", label: "NAME", start_char: 0, end_char: 13 },
    ];
    const pieces = textPieces(TEXT.length, spans).map((p) => [TEXT.slice(p.start, p.end), p.cover.map((c) => c.id)]);
    expect(pieces).toEqual([["Alice", ["e1", "e2"]], [" met Bob", ["e2"]], [" in Paris.", []]]);
  });

  it("relations are captioned by label and covered text", () => {
    expect(regionCaption({ id: "e1", track: "entities", label: "PER", start_char: 10, end_char: 13 }, TEXT)).toBe("PER «Bob»");
    expect(regionCaption({ id: "s", track: "speech", label: "speech", start_ms: 1500 }, TEXT)).toBe("speech @ 00:01.500");
    expect(regionCaption(undefined, TEXT)).toBe("(missing region)");
  });
});

describe("boxes of the versions on the video", () => {
  it("each shown annotator's box at the playhead, moved linearly between keyframes", async () => {
    const { versionBoxesAt } = await import("../../src/features/review/boxes");
    const schema = { tracks: [{ name: "faces", kind: "box" as const, labels: [{ value: "face" }] }] };
    const version = (username: string, x1: number) => ({
      id: 1, task: 1, annotator: { id: 1, username }, kind: "human", status: "submitted", version: 2, updated_at: "",
      result: { regions: [{ id: "b", track: "faces", label: "face", keyframes: [{ time_ms: 0, x: 0.1, y: 0.1, w: 0.2, h: 0.2 }, { time_ms: 1000, x: x1, y: 0.1, w: 0.2, h: 0.2 }] }] },
    });
    const versions = [version("a", 0.5), version("b", 0.1)];
    const at = versionBoxesAt(schema, versions, new Set(["a", "b"]), 500);
    expect(at.map((b) => [b.username, Number(b.x.toFixed(3))])).toEqual([["a", 0.3], ["b", 0.1]]);
    expect(versionBoxesAt(schema, versions, new Set(["b"]), 500).map((b) => b.username)).toEqual(["b"]);
    expect(versionBoxesAt(schema, versions, new Set(["a", "b"]), 1500)).toEqual([]);
  });
});
