import type { Region, Word } from "./types";

/** The shortest a word may become when a boundary is dragged or a word is split. */
export const MIN_WORD_MS = 10;

/** The segment text its words spell: their texts joined by single spaces. */
export function textOf(words: readonly Word[]): string {
  return words.map((w) => w.text).join(" ");
}

/**
 * Words spread over [startMs, endMs] in proportion to their characters, so long words take
 * longer: the timing of a segment's words until someone times them. Exact for one word.
 */
export function spread(texts: readonly string[], startMs: number, endMs: number): Word[] {
  const total = texts.reduce((n, t) => n + t.length, 0) || 1;
  let chars = 0;
  return texts.map((text, i) => {
    const a = Math.round(startMs + ((endMs - startMs) * chars) / total);
    chars += text.length;
    const b = i === texts.length - 1 ? endMs : Math.round(startMs + ((endMs - startMs) * chars) / total);
    return { text, start_ms: a, end_ms: b };
  });
}

/**
 * The words of a transcript segment: its stored `words` when they spell its text and lie inside
 * it, else its text spread over its time (so an edit made elsewhere never shows stale words).
 */
export function regionWords(r: Region): Word[] {
  const start = r.start_ms ?? 0;
  const end = r.end_ms ?? start;
  const texts = (r.text ?? "").split(/\s+/).filter((t) => t.length > 0);
  const stored = r.words;
  if (stored && stored.length === texts.length && stored.every((w, i) => w.text === texts[i] && w.start_ms >= start && w.end_ms <= end && w.start_ms < w.end_ms)) {
    return stored.map((w) => ({ ...w }));
  }
  return spread(texts, start, end);
}

/**
 * A segment's words after its times changed from [oldStart, oldEnd] to [start, end]: a move (same
 * length) carries them along unchanged; a resize clamps them into the new extent, and when a word
 * would vanish they are spread over it again, so stored words always lie inside their segment.
 */
export function fitWords(words: readonly Word[], oldStart: number, oldEnd: number, start: number, end: number): Word[] {
  if (end - start === oldEnd - oldStart) {
    const shift = start - oldStart;
    return words.map((w) => ({ ...w, start_ms: w.start_ms + shift, end_ms: w.end_ms + shift }));
  }
  const clamp = (ms: number): number => Math.min(end, Math.max(start, ms));
  const out = words.map((w) => ({ ...w, start_ms: clamp(w.start_ms), end_ms: clamp(w.end_ms) }));
  return out.some((w) => w.end_ms <= w.start_ms) ? spread(words.map((w) => w.text), start, end) : out;
}

/** The region fields that store a segment's words: its words and the text they spell. */
export function wordsPatch(words: readonly Word[]): Pick<Region, "text" | "words"> {
  return { text: textOf(words), words: words.map((w) => ({ ...w })) };
}

/**
 * Replace word i's text. Spaces in the new text split it into several words, which share its
 * time in proportion to their characters; an empty text removes the word and gives its time to
 * the word before it (or after it, for the first).
 */
export function setWordText(words: readonly Word[], i: number, text: string): Word[] {
  const w = words[i];
  if (!w) return words.map((x) => ({ ...x }));
  const parts = text.split(/\s+/).filter((t) => t.length > 0);
  const out = words.map((x) => ({ ...x }));
  if (parts.length === 0) {
    out.splice(i, 1);
    if (i > 0) out[i - 1].end_ms = w.end_ms;
    else if (out.length > 0) out[0].start_ms = w.start_ms;
    return out;
  }
  out.splice(i, 1, ...spread(parts, w.start_ms, w.end_ms));
  return out;
}

/**
 * Split word i before character `at` (1 ≤ at < length). The cut in time is `atMs` when it
 * leaves both halves at least MIN_WORD_MS, else proportional to the characters.
 */
export function splitWord(words: readonly Word[], i: number, at: number, atMs?: number): Word[] | null {
  const w = words[i];
  if (!w || at < 1 || at >= w.text.length) return null;
  let cut = Math.round(w.start_ms + ((w.end_ms - w.start_ms) * at) / w.text.length);
  if (typeof atMs === "number" && atMs >= w.start_ms + MIN_WORD_MS && atMs <= w.end_ms - MIN_WORD_MS) cut = Math.round(atMs);
  if (cut <= w.start_ms || cut >= w.end_ms) return null;
  const out = words.map((x) => ({ ...x }));
  out.splice(i, 1, { text: w.text.slice(0, at), start_ms: w.start_ms, end_ms: cut }, { text: w.text.slice(at), start_ms: cut, end_ms: w.end_ms });
  return out;
}

/** Where to split word i at time ms: the character whose share of the word's time holds ms. */
export function charAtTime(w: Word, ms: number): number {
  const frac = (ms - w.start_ms) / Math.max(1, w.end_ms - w.start_ms);
  return Math.min(w.text.length - 1, Math.max(1, Math.round(frac * w.text.length)));
}

/** Join word i and the next into one word spanning both (their texts run together). */
export function mergeWords(words: readonly Word[], i: number): Word[] | null {
  const a = words[i];
  const b = words[i + 1];
  if (!a || !b) return null;
  const out = words.map((x) => ({ ...x }));
  out.splice(i, 2, { text: a.text + b.text, start_ms: a.start_ms, end_ms: b.end_ms });
  return out;
}

/**
 * Move the boundary between word i and word i + 1 to ms, kept MIN_WORD_MS inside both, so the
 * two words stay in the segment and in order. Null when there is no such boundary.
 */
export function moveBoundary(words: readonly Word[], i: number, ms: number): Word[] | null {
  const a = words[i];
  const b = words[i + 1];
  if (!a || !b) return null;
  const lo = a.start_ms + MIN_WORD_MS;
  const hi = b.end_ms - MIN_WORD_MS;
  if (hi < lo) return null;
  const t = Math.round(Math.min(hi, Math.max(lo, ms)));
  const out = words.map((x) => ({ ...x }));
  out[i].end_ms = t;
  out[i + 1].start_ms = t;
  return out;
}

/** The index of the word playing at ms (the last one starting at or before it), or -1. */
export function wordAt(words: readonly Word[], ms: number): number {
  let found = -1;
  for (let i = 0; i < words.length; i++) {
    if (words[i].start_ms <= ms) found = i;
    else break;
  }
  return found;
}

/**
 * New segment text typed in one piece (the side panel): the words keep their times when the
 * count is unchanged, else they are spread again over the segment.
 */
export function retext(r: Region, text: string): Pick<Region, "text" | "words"> {
  const texts = text.split(/\s+/).filter((t) => t.length > 0);
  const old = regionWords(r);
  if (old.length === texts.length) return wordsPatch(old.map((w, i) => ({ ...w, text: texts[i] })));
  return wordsPatch(spread(texts, r.start_ms ?? 0, r.end_ms ?? r.start_ms ?? 0));
}
