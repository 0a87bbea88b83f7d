import { lowerBound } from "./search";
import { regionExtent, type Region } from "./types";

/**
 * Regions of one lane sorted by start time, for binary-search window queries.
 *
 * A window query starts at the first region whose start is ≥ from − longest duration: no earlier
 * region can reach into the window, so a lane of thousands costs O(log n + visible).
 */
export class LaneIndex {
  readonly regions: Region[];
  readonly starts: Float64Array;
  readonly ends: Float64Array;
  private maxDur = 0;

  constructor(regions: readonly Region[]) {
    const timed: { r: Region; a: number; b: number }[] = [];
    for (const r of regions) {
      const e = regionExtent(r);
      if (e) timed.push({ r, a: e[0], b: e[1] });
    }
    timed.sort((x, y) => x.a - y.a || x.b - y.b);
    this.regions = timed.map((t) => t.r);
    this.starts = Float64Array.from(timed.map((t) => t.a));
    this.ends = Float64Array.from(timed.map((t) => t.b));
    for (const t of timed) this.maxDur = Math.max(this.maxDur, t.b - t.a);
  }

  get length(): number {
    return this.regions.length;
  }

  /** Indexes of regions intersecting [fromMs, toMs]. */
  visible(fromMs: number, toMs: number): number[] {
    const out: number[] = [];
    for (let i = lowerBound(this.starts, fromMs - this.maxDur); i < this.starts.length; i++) {
      if (this.starts[i] > toMs) break;
      if (this.ends[i] >= fromMs) out.push(i);
    }
    return out;
  }

  /** The topmost region under time ms with a tolerance (for points) of tolMs; the shortest wins. */
  hit(ms: number, tolMs: number): Region | null {
    let best: Region | null = null;
    let bestLen = Infinity;
    for (const i of this.visible(ms - tolMs, ms + tolMs)) {
      const len = this.ends[i] - this.starts[i];
      if (ms < this.starts[i] - tolMs || ms > this.ends[i] + tolMs) continue;
      if (len < bestLen) {
        best = this.regions[i];
        bestLen = len;
      }
    }
    return best;
  }

  /** The region active at ms (start ≤ ms < end), for transcript highlighting. */
  activeAt(ms: number): Region | null {
    for (const i of this.visible(ms, ms)) {
      if (this.starts[i] <= ms && ms < this.ends[i]) return this.regions[i];
    }
    return null;
  }
}
