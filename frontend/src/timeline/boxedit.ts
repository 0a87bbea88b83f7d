/** Direct manipulation of a box on the video: its eight handles, the body, and the edits they make. */

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A corner or side handle (compass names), or the body of the box. */
export type BoxGrip = "nw" | "n" | "ne" | "e" | "se" | "s" | "sw" | "w" | "body";

export const HANDLES: readonly Exclude<BoxGrip, "body">[] = ["nw", "n", "ne", "e", "se", "s", "sw", "w"];

/** Where a handle sits on a rectangle (any unit: the caller's pixels or frame fractions). */
export function handlePoint(r: Rect, g: Exclude<BoxGrip, "body">): [number, number] {
  const xs = { w: r.x, c: r.x + r.w / 2, e: r.x + r.w };
  const ys = { n: r.y, c: r.y + r.h / 2, s: r.y + r.h };
  const hx = g.includes("w") ? xs.w : g.includes("e") ? xs.e : xs.c;
  const hy = g.includes("n") ? ys.n : g.includes("s") ? ys.s : ys.c;
  return [hx, hy];
}

/** The grip under point (px, py) of a box drawn at `r` (both in pixels); handles win over the body. */
export function gripAt(px: number, py: number, r: Rect, tolPx: number): BoxGrip | null {
  for (const g of HANDLES) {
    const [hx, hy] = handlePoint(r, g);
    if (Math.abs(px - hx) <= tolPx && Math.abs(py - hy) <= tolPx) return g;
  }
  if (px >= r.x && px <= r.x + r.w && py >= r.y && py <= r.y + r.h) return "body";
  return null;
}

/** The CSS cursor that says what dragging a grip does. */
export function gripCursor(g: BoxGrip | null, dragging: boolean): string {
  switch (g) {
    case "nw":
    case "se":
      return "nwse-resize";
    case "ne":
    case "sw":
      return "nesw-resize";
    case "n":
    case "s":
      return "ns-resize";
    case "e":
    case "w":
      return "ew-resize";
    case "body":
      return dragging ? "grabbing" : "grab";
    default:
      return "";
  }
}

const MIN_SIZE = 0.005;

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/**
 * The box after dragging grip `g` of `start` by (dx, dy), all in frame fractions. The body moves
 * the box inside the frame keeping its size; a handle moves its sides, which may cross over (the
 * box flips, as in every drawing program), and the box never leaves the frame or falls under a
 * minimum size.
 */
export function dragBox(start: Rect, g: BoxGrip, dx: number, dy: number): Rect {
  if (g === "body") {
    return { x: clamp(start.x + dx, 0, 1 - start.w), y: clamp(start.y + dy, 0, 1 - start.h), w: start.w, h: start.h };
  }
  let x0 = start.x;
  let y0 = start.y;
  let x1 = start.x + start.w;
  let y1 = start.y + start.h;
  if (g.includes("w")) x0 += dx;
  if (g.includes("e")) x1 += dx;
  if (g.includes("n")) y0 += dy;
  if (g.includes("s")) y1 += dy;
  const ax = clamp(Math.min(x0, x1), 0, 1);
  const bx = clamp(Math.max(x0, x1), 0, 1);
  const ay = clamp(Math.min(y0, y1), 0, 1);
  const by = clamp(Math.max(y0, y1), 0, 1);
  const w = Math.max(MIN_SIZE, bx - ax);
  const h = Math.max(MIN_SIZE, by - ay);
  return { x: Math.min(ax, 1 - w), y: Math.min(ay, 1 - h), w, h };
}
