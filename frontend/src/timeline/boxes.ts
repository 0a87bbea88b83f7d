import type { Keyframe } from "./types";
import { upperBound } from "./search";

/**
 * The box of a keyframed track at time ms: linear interpolation between the surrounding
 * keyframes, null outside [first, last] keyframe (one keyframe shows on its frame only, ±halfFrameMs).
 */
export function boxAt(keyframes: readonly Keyframe[], ms: number, halfFrameMs = 20): Keyframe | null {
  if (keyframes.length === 0) return null;
  const kfs = [...keyframes].sort((a, b) => a.time_ms - b.time_ms);
  const first = kfs[0];
  const last = kfs[kfs.length - 1];
  if (ms < first.time_ms - halfFrameMs || ms > last.time_ms + halfFrameMs) return null;
  if (ms <= first.time_ms) return { ...first, time_ms: ms };
  if (ms >= last.time_ms) return { ...last, time_ms: ms };
  const i = upperBound(kfs.map((k) => k.time_ms), ms);
  const a = kfs[i - 1];
  const b = kfs[i];
  const f = (ms - a.time_ms) / (b.time_ms - a.time_ms);
  const lerp = (p: number, q: number): number => p + (q - p) * f;
  return { time_ms: ms, x: lerp(a.x, b.x), y: lerp(a.y, b.y), w: lerp(a.w, b.w), h: lerp(a.h, b.h) };
}

/** Insert or replace the keyframe at kf.time_ms, keeping the list sorted. */
export function setKeyframe(keyframes: readonly Keyframe[], kf: Keyframe): Keyframe[] {
  const out = keyframes.filter((k) => k.time_ms !== kf.time_ms);
  out.push(kf);
  out.sort((a, b) => a.time_ms - b.time_ms);
  return out;
}

/** A rectangle from two corner points in frame fractions, clamped to the frame. */
export function rectFromCorners(x0: number, y0: number, x1: number, y1: number): { x: number; y: number; w: number; h: number } {
  const c = (v: number): number => Math.min(1, Math.max(0, v));
  const ax = c(Math.min(x0, x1));
  const ay = c(Math.min(y0, y1));
  return { x: ax, y: ay, w: c(Math.max(x0, x1)) - ax, h: c(Math.max(y0, y1)) - ay };
}
