import type { Region, Word } from "../../timeline/types";
import { regionWords } from "../../timeline/words";
import { EDGE_PX } from "./lanedrag";

/** Below this many pixels per word (on average over a segment) the lane shows the segment's text instead. */
const WORD_MIN_PX = 24;

/** One word of a transcript segment as drawn on its lane, in lane pixels. */
export interface WordBox {
  index: number;
  x0: number;
  x1: number;
  text: string;
}

// Regions are replaced, never mutated, by the store: their words are worked out once per version.
const wordCache = new WeakMap<Region, Word[]>();

/** The words of a transcript segment, as the pane shows them (cached per region version). */
export function laneWords(r: Region): Word[] {
  let words = wordCache.get(r);
  if (!words) wordCache.set(r, (words = regionWords(r)));
  return words;
}

/**
 * The boxes of a segment's words that reach into the lane [0, widthPx], or null when the words
 * are too narrow to read at this zoom (the lane then shows the segment's text).
 */
export function wordBoxes(words: readonly Word[], timeToPx: (ms: number) => number, widthPx: number): WordBox[] | null {
  if (!words.length) return null;
  const span = timeToPx(words[words.length - 1].end_ms) - timeToPx(words[0].start_ms);
  if (span / words.length < WORD_MIN_PX) return null;
  const out: WordBox[] = [];
  for (let i = 0; i < words.length; i++) {
    const x0 = timeToPx(words[i].start_ms);
    if (x0 > widthPx) break;
    const x1 = timeToPx(words[i].end_ms);
    if (x1 >= 0) out.push({ index: i, x0, x1, text: words[i].text });
  }
  return out;
}

/**
 * The boundary under pointer x: i for the one between word i and word i + 1 (the nearest, within
 * half a resize target), else -1. The segment's own edges are not word boundaries.
 */
export function boundaryAt(boxes: readonly WordBox[], wordCount: number, x: number): number {
  let best = -1;
  let bestD = EDGE_PX / 2;
  for (const b of boxes) {
    if (b.index + 1 >= wordCount) continue;
    const d = Math.abs(b.x1 - x);
    if (d <= bestD) {
      best = b.index;
      bestD = d;
    }
  }
  return best;
}

/** The index of the word drawn under pointer x, or -1. */
export function wordAtX(boxes: readonly WordBox[], x: number): number {
  for (const b of boxes) if (x >= b.x0 && x < b.x1) return b.index;
  return -1;
}

/** Draw word boxes: each text clipped to its box, a thin tick on each boundary between two words. */
export function paintWords(ctx: CanvasRenderingContext2D, boxes: readonly WordBox[], y: number, hgt: number): void {
  ctx.fillStyle = "rgba(16, 21, 31, 0.45)";
  for (const b of boxes) if (b.index > 0) ctx.fillRect(Math.round(b.x0), y + 3, 1, hgt - 6);
  ctx.fillStyle = "#10151f";
  ctx.font = "11px system-ui, sans-serif";
  for (const b of boxes) {
    if (b.x1 - b.x0 < 6) continue;
    ctx.save();
    ctx.beginPath();
    ctx.rect(b.x0 + 1, y, b.x1 - b.x0 - 2, hgt);
    ctx.clip();
    ctx.fillText(b.text, Math.max(b.x0, 0) + 4, y + hgt / 2 + 4);
    ctx.restore();
  }
}
