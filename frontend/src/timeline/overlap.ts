import type { OverlapRule, Region, Track } from "./types";

/** The overlap rule of a track: explicit in the schema, else transcripts never overlap and the rest may. */
export function overlapRule(track: Track): OverlapRule {
  if (track.overlap) return track.overlap;
  if (track.kind === "transcript") return "none";
  return "allow";
}

function interval(r: Region): [number, number] | null {
  if (typeof r.start_ms === "number" && typeof r.end_ms === "number") return [r.start_ms, r.end_ms];
  return null;
}

function clashes(rule: OverlapRule, a: Region, b: Region): boolean {
  if (rule === "allow") return false;
  if (rule === "same-label" && a.label !== b.label) return false;
  return true;
}

/** Ids of the regions of `candidate`'s track that it would overlap against the track's rule (touching is fine). */
export function overlapping(track: Track, regions: readonly Region[], candidate: Region): string[] {
  const rule = overlapRule(track);
  const c = interval(candidate);
  if (rule === "allow" || !c) return [];
  const out: string[] = [];
  for (const r of regions) {
    if (r.id === candidate.id || r.track !== track.name) continue;
    const i = interval(r);
    if (!i || !clashes(rule, candidate, r)) continue;
    if (i[0] < c[1] && c[0] < i[1]) out.push(r.id);
  }
  return out;
}

/**
 * Limits for dragging one edge of `region` so it never crosses a neighbour the rule forbids:
 * returns [min, max] allowed for the moving edge.
 */
export function edgeLimits(
  track: Track,
  regions: readonly Region[],
  region: Region,
  edge: "start" | "end",
  durationMs: number,
): [number, number] {
  const rule = overlapRule(track);
  const own = interval(region);
  if (!own) return [0, durationMs];
  let lo = 0;
  let hi = durationMs;
  if (edge === "start") hi = own[1];
  else lo = own[0];
  if (rule === "allow") return [lo, hi];
  for (const r of regions) {
    if (r.id === region.id || r.track !== track.name || !clashes(rule, region, r)) continue;
    const i = interval(r);
    if (!i) continue;
    if (edge === "start" && i[1] <= own[0]) lo = Math.max(lo, i[1]);
    if (edge === "end" && i[0] >= own[1]) hi = Math.min(hi, i[0]);
  }
  return [lo, hi];
}
