import type { Region, Word } from "../../timeline/types";
import { MIN_WORD_MS, moveBoundary, wordsPatch } from "../../timeline/words";

/** Width of the resize target at each edge of a region, in pixels (half outside, half inside). */
export const EDGE_PX = 8;
/** A press that moves less than this many pixels is a click, not a drag. */
export const CLICK_SLOP_PX = 3;

/** What a press on a lane means, decided once on pointer down. */
export type Intent = "move" | "resize-start" | "resize-end" | "draw" | "seek" | "word-boundary";

/** The part of a drawn region under pointer x: an edge, the body, or nothing. */
export function zoneAt(x: number, x0: number, x1: number): "resize-start" | "resize-end" | "move" | null {
  const half = EDGE_PX / 2;
  if (x < x0 - half || x > x1 + half) return null;
  // a point (or a region narrower than a pixel) has no edges: it only moves
  if (x1 - x0 < 1) return "move";
  // narrow regions keep a third of their width for the body so they can still be moved
  const inside = Math.min(half, (x1 - x0) / 3);
  if (x <= x0 + inside) return "resize-start";
  if (x >= x1 - inside) return "resize-end";
  return "move";
}

/** The CSS cursor that says what a press would do. */
export function cursorFor(zone: ReturnType<typeof zoneAt>, dragging: boolean): string {
  if (zone === "resize-start" || zone === "resize-end") return "ew-resize";
  if (zone === "move") return dragging ? "grabbing" : "grab";
  return "";
}

/** How times are snapped and bounded on the lane being dragged. */
export interface DragRules {
  /** Snap a time (to frame boundaries on a video lane, to nearby cuts and frames elsewhere). */
  snap(ms: number): number;
  durationMs: number;
  /** The shortest a resized segment may become (one frame on a video lane). */
  minLengthMs: number;
}

export type DragStart =
  | { intent: "draw" | "seek"; atMs: number; x: number }
  | { intent: "move" | "resize-start" | "resize-end"; atMs: number; x: number; region: Region; limits: [number, number] }
  /** The boundary between word `boundary` and the next of a transcript segment. */
  | { intent: "word-boundary"; atMs: number; x: number; region: Region; words: Word[]; boundary: number };

/** What a finished drag asks of the editor: nothing, a seek, a new segment, or one region command. */
export type DragOutcome =
  | { kind: "none" }
  | { kind: "seek"; ms: number }
  | { kind: "create"; start: number; end: number }
  | { kind: "update"; id: string; patch: Partial<Region>; label: "move" | "resize" | "move word boundary" };

/** The extent to draw in place of the dragged region (or the segment being drawn) while dragging. */
export interface DragPreview {
  id: string | null;
  startMs: number;
  endMs: number;
  /** A word boundary drag: the segment's words as they would be released. */
  words?: Word[];
}

/**
 * One drag on a lane as a pure state machine: built on pointer down with its intent, fed pointer
 * positions as times, read for a preview while it runs, and turned into at most one store command
 * on release. It never touches the store, so a drag is exactly one undo step or none.
 */
export class LaneDrag {
  readonly intent: Intent;
  private moved = false;
  private cur: number;
  private readonly start: DragStart;

  constructor(
    start: DragStart,
    private readonly rules: DragRules,
  ) {
    this.start = start;
    this.intent = start.intent;
    this.cur = start.atMs;
  }

  get regionId(): string | null {
    return "region" in this.start ? this.start.region.id : null;
  }

  /** True once the pointer travelled past the click slop. */
  get dragging(): boolean {
    return this.moved;
  }

  /** Feed a pointer position (time under it and its x in px); true when the preview changed. */
  move(ms: number, x: number): boolean {
    if (!this.moved && Math.abs(x - this.start.x) <= CLICK_SLOP_PX) return false;
    this.moved = true;
    if (ms === this.cur) return false;
    this.cur = ms;
    return true;
  }

  /** The time a seek drag (scrub) puts the playhead on now. */
  seekMs(): number {
    return this.clamp(this.rules.snap(this.cur), 0, this.rules.durationMs);
  }

  /** What to draw now: the region's extent as it would be released, or null when nothing changes. */
  preview(): DragPreview | null {
    if (!this.moved || this.intent === "seek") return null;
    if (this.intent === "draw") {
      const a = this.rules.snap(this.start.atMs);
      const b = this.rules.snap(this.cur);
      return { id: null, startMs: Math.min(a, b), endMs: Math.max(a, b) };
    }
    if (this.start.intent === "word-boundary") {
      const r = this.start.region;
      return { id: r.id, startMs: r.start_ms ?? 0, endMs: r.end_ms ?? 0, words: this.movedWords() ?? this.start.words };
    }
    const ext = this.extent();
    return ext ? { id: this.regionId, startMs: ext[0], endMs: ext[1] } : null;
  }

  release(): DragOutcome {
    const s = this.start;
    if (s.intent === "seek") return { kind: "seek", ms: this.moved ? this.seekMs() : this.clamp(this.rules.snap(s.atMs), 0, this.rules.durationMs) };
    if (s.intent === "draw") {
      if (!this.moved) return { kind: "seek", ms: this.rules.snap(s.atMs) };
      const p = this.preview() as DragPreview;
      return p.endMs > p.startMs ? { kind: "create", start: p.startMs, end: p.endMs } : { kind: "none" };
    }
    if (!this.moved || !("region" in s)) return { kind: "none" };
    if (s.intent === "word-boundary") {
      const moved = this.movedWords();
      if (!moved || moved[s.boundary].end_ms === s.words[s.boundary].end_ms) return { kind: "none" };
      return { kind: "update", id: s.region.id, patch: wordsPatch(moved), label: "move word boundary" };
    }
    const ext = this.extent();
    if (!ext) return { kind: "none" };
    const r = s.region;
    if (typeof r.time_ms === "number" && typeof r.start_ms !== "number") {
      return ext[0] === r.time_ms ? { kind: "none" } : { kind: "update", id: r.id, patch: { time_ms: ext[0] }, label: "move" };
    }
    if (ext[0] === r.start_ms && ext[1] === r.end_ms) return { kind: "none" };
    const patch: Partial<Region> = s.intent === "resize-start" ? { start_ms: ext[0] } : s.intent === "resize-end" ? { end_ms: ext[1] } : { start_ms: ext[0], end_ms: ext[1] };
    return { kind: "update", id: r.id, patch, label: s.intent === "move" ? "move" : "resize" };
  }

  /**
   * The words with the dragged boundary moved by the pointer: snapped like a segment edge, then
   * kept inside its two words (at least a frame each on a video lane, MIN_WORD_MS elsewhere).
   */
  private movedWords(): Word[] | null {
    const s = this.start;
    if (s.intent !== "word-boundary") return null;
    const a = s.words[s.boundary];
    const b = s.words[s.boundary + 1];
    if (!a || !b) return null;
    let t = this.rules.snap(a.end_ms + this.cur - s.atMs);
    const min = Math.max(MIN_WORD_MS, this.rules.minLengthMs);
    if (a.start_ms + min <= b.end_ms - min) t = this.clamp(t, a.start_ms + min, b.end_ms - min);
    return moveBoundary(s.words, s.boundary, t);
  }

  /** The dragged region's [start, end] for the current pointer time. */
  private extent(): [number, number] | null {
    const s = this.start;
    if (!("region" in s) || s.intent === "word-boundary") return null;
    const r = s.region;
    const { snap, durationMs, minLengthMs } = this.rules;
    const delta = this.cur - s.atMs;
    if (typeof r.time_ms === "number" && typeof r.start_ms !== "number") {
      const t = this.clamp(snap(r.time_ms + delta), 0, durationMs);
      return [t, t];
    }
    if (typeof r.start_ms !== "number" || typeof r.end_ms !== "number") return null;
    const len = r.end_ms - r.start_ms;
    if (s.intent === "move") {
      // the start snaps and the length is kept, so a move never stretches the region
      const a = this.clamp(snap(r.start_ms + delta), 0, Math.max(0, durationMs - len));
      return [a, a + len];
    }
    const [lo, hi] = s.limits;
    if (s.intent === "resize-start") {
      const a = this.clamp(snap(r.start_ms + delta), lo, Math.min(hi, r.end_ms - minLengthMs));
      return [a, r.end_ms];
    }
    const b = this.clamp(snap(r.end_ms + delta), Math.max(lo, r.start_ms + minLengthMs), hi);
    return [r.start_ms, b];
  }

  private clamp(v: number, lo: number, hi: number): number {
    return Math.min(hi, Math.max(lo, v));
  }
}
