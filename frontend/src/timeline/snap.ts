import { nearest } from "./search";

/** A sorted list of snap targets of one kind (frame boundaries, shot boundaries, region edges). */
export interface SnapTargets {
  kind: string;
  times: readonly number[];
}

export interface SnapResult {
  timeMs: number;
  kind: string | null;
}

/**
 * Snap `ms` to the nearest target within `thresholdPx` pixels at the current zoom.
 *
 * Targets earlier in the list win ties (pass shots before frames so a cut beats the frame next to
 * it); the comparison is in pixels so snapping feels the same at every zoom.
 */
export function snapTime(ms: number, targets: readonly SnapTargets[], msPerPx: number, thresholdPx: number): SnapResult {
  let best: SnapResult = { timeMs: Math.round(ms), kind: null };
  let bestDist = thresholdPx * msPerPx;
  for (const t of targets) {
    const n = nearest(t.times, ms);
    if (n === null) continue;
    const d = Math.abs(n - ms);
    if (d < bestDist || (best.kind === null && d <= bestDist)) {
      best = { timeMs: n, kind: t.kind };
      bestDist = d;
    }
  }
  return best;
}
