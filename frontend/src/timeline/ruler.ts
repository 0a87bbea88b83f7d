const NICE_STEPS = [1, 2, 5, 10, 20, 40, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];

/** Grid step for a ruler: the smallest nice step at least minPx wide. */
export function rulerStep(msPerPx: number, minPx = 80): number {
  for (const s of NICE_STEPS) if (s / msPerPx >= minPx) return s;
  return NICE_STEPS[NICE_STEPS.length - 1];
}
