/** Geometry of the relation arcs: plain numbers, no DOM, so it is tested and cheap per frame. */

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** A quadratic Bézier from (x0, y0) to (x1, y1) through control (cx, cy); the label sits at (lx, ly). */
export interface Arc {
  x0: number;
  y0: number;
  cx: number;
  cy: number;
  x1: number;
  y1: number;
  lx: number;
  ly: number;
}

/**
 * The arc between two boxes: from the middle of the facing edges (top of the lower box, bottom of
 * the upper; side by side, the top of both), bowed sideways from the straight line by a quarter
 * of its length (at most 100 px), upward for arcs along a lane and to the right for vertical ones,
 * so arcs between neighbours stay readable and long arcs stay on the surface. The label sits at
 * the curve's midpoint.
 */
export function arcBetween(a: Box, b: Box): Arc {
  const x0 = (a.left + a.right) / 2;
  const x1 = (b.left + b.right) / 2;
  let y0: number;
  let y1: number;
  if (a.bottom <= b.top) {
    y0 = a.bottom;
    y1 = b.top;
  } else if (b.bottom <= a.top) {
    y0 = a.top;
    y1 = b.bottom;
  } else {
    y0 = a.top;
    y1 = b.top;
  }
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len = Math.hypot(dx, dy);
  // the unit normal of the chord that points up (or right, for a vertical chord)
  let nx = len ? dy / len : 0;
  let ny = len ? -dx / len : -1;
  if (ny > 0 || (ny === 0 && nx < 0)) {
    nx = -nx;
    ny = -ny;
  }
  const bow = Math.max(12, Math.min(100, len / 4));
  const cx = (x0 + x1) / 2 + nx * bow;
  const cy = (y0 + y1) / 2 + ny * bow;
  // the point at t = 0.5 of the quadratic: (p0 + 2c + p1) / 4
  return { x0, y0, cx, cy, x1, y1, lx: (x0 + 2 * cx + x1) / 4, ly: (y0 + 2 * cy + y1) / 4 };
}

/** The bounding box of an arc (its control polygon's, which contains the curve). */
export function arcBounds(arc: Arc): Box {
  return {
    left: Math.min(arc.x0, arc.cx, arc.x1),
    right: Math.max(arc.x0, arc.cx, arc.x1),
    top: Math.min(arc.y0, arc.cy, arc.y1),
    bottom: Math.max(arc.y0, arc.cy, arc.y1),
  };
}

/** Do two boxes overlap (an arc against the drawing surface: worth drawing)? */
export function intersects(a: Box, b: Box): boolean {
  return a.left <= b.right && b.left <= a.right && a.top <= b.bottom && b.top <= a.bottom;
}

function segDist(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Distance from a point to the curve, measured on 24 chords (ample at arc sizes on screen). */
export function arcDistance(arc: Arc, x: number, y: number): number {
  const N = 24;
  let best = Infinity;
  let px = arc.x0;
  let py = arc.y0;
  for (let i = 1; i <= N; i++) {
    const t = i / N;
    const u = 1 - t;
    const qx = u * u * arc.x0 + 2 * u * t * arc.cx + t * t * arc.x1;
    const qy = u * u * arc.y0 + 2 * u * t * arc.cy + t * t * arc.y1;
    best = Math.min(best, segDist(x, y, px, py, qx, qy));
    px = qx;
    py = qy;
  }
  return best;
}

/** Clamp a box horizontally into [minX, maxX], keeping at least `min` px of width. */
export function clampX(b: Box, minX: number, maxX: number, min = 4): Box {
  let left = Math.max(minX, Math.min(maxX - min, b.left));
  let right = Math.min(maxX, Math.max(minX + min, b.right));
  if (right - left < min) {
    const mid = (left + right) / 2;
    left = mid - min / 2;
    right = mid + min / 2;
  }
  return { left, top: b.top, right, bottom: b.bottom };
}
