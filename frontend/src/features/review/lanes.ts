import type { Track } from "../../timeline/types";

/** The most lanes shown at once before tracks without conflicts start out collapsed. */
export const LANE_BUDGET = 8;

export interface LanePlanRow {
  track: string;
  /** null: the gold lane of the track; else an annotator's version. */
  annotator: string | null;
}

/**
 * Lanes grouped by track: the gold lane, then each annotator's version of that track, so one
 * track's versions sit together. A collapsed track shows its gold lane only.
 */
export function lanePlan(tracks: Track[], annotators: string[], collapsed: ReadonlySet<string>): LanePlanRow[] {
  const out: LanePlanRow[] = [];
  for (const t of tracks) {
    out.push({ track: t.name, annotator: null });
    if (!collapsed.has(t.name)) for (const a of annotators) out.push({ track: t.name, annotator: a });
  }
  return out;
}

/**
 * Which tracks start collapsed: none while everything fits in LANE_BUDGET lanes; otherwise
 * tracks expand while they fit, those with conflicts first, then those anyone annotated; tracks
 * nobody annotated stay folded (the first track always expands, so the reviewer starts where the
 * work is).
 */
export function initialCollapsed(
  tracks: Track[], annotators: number, conflicted: ReadonlySet<string>, used: ReadonlySet<string> = new Set(),
): Set<string> {
  const all = tracks.length * (1 + annotators);
  if (all <= LANE_BUDGET) return new Set();
  const rank = (t: Track): number => (conflicted.has(t.name) ? 0 : used.has(t.name) ? 1 : 2);
  const order = [...tracks].sort((a, b) => rank(a) - rank(b));
  const collapsed = new Set(tracks.map((t) => t.name));
  let lanes = tracks.length;
  for (const [i, t] of order.entries()) {
    // past the budget, or a track nobody annotated: it stays folded
    if (i > 0 && (lanes + annotators > LANE_BUDGET || rank(t) === 2)) break;
    collapsed.delete(t.name);
    lanes += annotators;
  }
  return collapsed;
}
