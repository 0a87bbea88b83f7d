/**
 * Which precomputed waveform level to fetch for a zoom.
 *
 * Levels are samples per pixel. The finest level of a three-hour recording is megabytes of peaks
 * while the whole-recording view needs a few hundred kilobytes, so the editor fetches the coarsest
 * level that is still at least as fine as the screen (no detail lost), and a finer one only when
 * the view zooms in past it.
 */
export function levelFor(levels: readonly number[], samplesPerPixel: number): number {
  const sorted = levels.filter((n) => n > 0).sort((a, b) => a - b);
  if (!sorted.length) throw new RangeError("levelFor(): no waveform levels");
  let pick = sorted[0];
  for (const lv of sorted) if (lv <= samplesPerPixel) pick = lv;
  return pick;
}

/** Audio samples under one screen pixel at a zoom of msPerPx. */
export function samplesPerPixel(msPerPx: number, sampleRate: number): number {
  return (msPerPx * sampleRate) / 1000;
}
