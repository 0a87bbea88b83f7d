import { lowerBound, upperBound } from "./search";

/**
 * Frame numbers and boundaries from the real presentation timestamps the server measured.
 *
 * Frame k is shown during [t_k, t_{k+1}); the last frame lasts one median frame duration. Variable
 * frame rate and offset streams are exact this way, where currentTime × fps drifts.
 */
export class FrameIndex {
  readonly timestamps: readonly number[];
  readonly fps: number;
  readonly frameDurationMs: number;

  constructor(timestampsMs: readonly number[], fps: number, offsetMs = 0) {
    if (!Array.isArray(timestampsMs) || timestampsMs.length === 0) {
      throw new TypeError("new FrameIndex(): timestamps_ms should be a non-empty array of integer ms");
    }
    const ts: number[] = [];
    for (let i = 0; i < timestampsMs.length; i++) {
      const t = timestampsMs[i];
      if (!Number.isInteger(t)) throw new TypeError(`new FrameIndex(): timestamps_ms[${i}] should be an integer ms`);
      if (i > 0 && t <= timestampsMs[i - 1]) {
        throw new RangeError(`new FrameIndex(): timestamps_ms should increase strictly (index ${i})`);
      }
      ts.push(t + offsetMs);
    }
    this.timestamps = ts;
    this.fps = fps > 0 ? fps : 0;
    const gaps: number[] = [];
    for (let i = 1; i < ts.length; i++) gaps.push(ts[i] - ts[i - 1]);
    gaps.sort((a, b) => a - b);
    this.frameDurationMs = gaps.length ? gaps[gaps.length >> 1] : this.fps ? Math.round(1000 / this.fps) : 40;
  }

  get count(): number {
    return this.timestamps.length;
  }

  /** Start of frame k on the item timeline. */
  start(k: number): number {
    return this.timestamps[this.clampIndex(k)];
  }

  /** End (exclusive) of frame k: the next frame's start. */
  end(k: number): number {
    const i = this.clampIndex(k);
    return i + 1 < this.timestamps.length ? this.timestamps[i + 1] : this.timestamps[i] + this.frameDurationMs;
  }

  /** The frame shown at time ms (0 before the first frame, the last frame after the end). */
  frameAt(ms: number): number {
    const i = upperBound(this.timestamps, ms) - 1;
    return Math.max(0, Math.min(i, this.timestamps.length - 1));
  }

  /** Where to seek the media element to show frame k without landing on a boundary: mid-frame. */
  seekTimeFor(k: number): number {
    const a = this.start(k);
    const b = this.end(k);
    return (a + b) / 2;
  }

  /** The time to put the playhead on to step n frames from ms (the step lands on a frame start). */
  step(ms: number, n: number): number {
    return this.start(this.frameAt(ms) + n);
  }

  /** The frame boundary (a frame start, or the end of the last frame) nearest to ms. */
  nearestBoundary(ms: number): number {
    const k = this.frameAt(ms);
    const a = this.start(k);
    const b = this.end(k);
    if (ms <= a) return a;
    return ms - a <= b - ms ? a : b;
  }

  /** Frame boundaries (frame starts plus the end of the last frame) inside [fromMs, toMs]. */
  boundariesIn(fromMs: number, toMs: number): number[] {
    const out = this.timestamps.slice(lowerBound(this.timestamps, fromMs), upperBound(this.timestamps, toMs));
    const last = this.end(this.timestamps.length - 1);
    if (last >= fromMs && last <= toMs) out.push(last);
    return out;
  }

  private clampIndex(k: number): number {
    return Math.max(0, Math.min(Math.floor(k), this.timestamps.length - 1));
  }
}
