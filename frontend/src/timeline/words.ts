/**
 * Word timings inside a transcript segment when only the segment is timed: proportional to the
 * characters before each word, so long words take longer. Exact when the segment is one word.
 */
export function wordTimes(text: string, startMs: number, endMs: number): { word: string; startMs: number; charStart: number }[] {
  const out: { word: string; startMs: number; charStart: number }[] = [];
  const re = /\S+/g;
  const len = Math.max(1, text.length);
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    out.push({ word: m[0], startMs: Math.round(startMs + ((endMs - startMs) * m.index) / len), charStart: m.index });
  }
  return out;
}
