import { describe, expect, it } from "vitest";
import { arcBetween, arcBounds, arcDistance, clampX, intersects } from "../../src/timeline/arcs";

const box = (left: number, top: number, right: number, bottom: number) => ({ left, top, right, bottom });

describe("relation arcs", () => {
  it("joins the facing edges of a box above another, bowed to the right", () => {
    const arc = arcBetween(box(100, 0, 140, 20), box(100, 220, 300, 250));
    expect([arc.x0, arc.y0, arc.x1, arc.y1]).toEqual([120, 20, 200, 220]);
    // chord (80, 200), length 215.4: bowed 53.85 px along the normal (0.928, -0.371)
    expect(arc.cx).toBeCloseTo(160 + 53.852 * 0.92848, 2);
    expect(arc.cy).toBeCloseTo(120 - 53.852 * 0.37139, 2);
    expect(arc.lx).toBeCloseTo((120 + 2 * arc.cx + 200) / 4, 9);
  });

  it("bows arcs along one lane upward, at most 100 px", () => {
    const arc = arcBetween(box(0, 100, 20, 130), box(980, 100, 1000, 130));
    expect([arc.y0, arc.y1]).toEqual([100, 100]);
    expect(arc.cx).toBe(500);
    expect(arc.cy).toBe(0);
    expect(arc.ly).toBe(50);
    const near = arcBetween(box(0, 100, 10, 130), box(10, 100, 20, 130));
    expect(near.cy).toBe(88); // at least 12 px, so a short arc is still seen as an arc
  });

  it("measures distance to the curve, not to its chord", () => {
    const arc = arcBetween(box(0, 100, 20, 130), box(980, 100, 1000, 130));
    expect(arcDistance(arc, 500, 50)).toBeLessThan(0.5); // the apex
    expect(arcDistance(arc, 500, 100)).toBeCloseTo(50, 0); // the chord's middle is 50 px below
    expect(arcDistance(arc, 10, 100)).toBeLessThan(0.5); // an end
  });

  it("bounds, intersects and clamps", () => {
    const arc = arcBetween(box(0, 100, 20, 130), box(980, 100, 1000, 130));
    expect(arcBounds(arc)).toEqual({ left: 10, right: 990, top: 0, bottom: 100 });
    expect(intersects(arcBounds(arc), box(0, 0, 5, 5))).toBe(false);
    expect(intersects(arcBounds(arc), box(900, 90, 2000, 2000))).toBe(true);
    expect(clampX(box(-500, 0, -400, 10), 0, 800)).toEqual(box(0, 0, 4, 10));
    expect(clampX(box(700, 0, 1200, 10), 0, 800)).toEqual(box(700, 0, 800, 10));
  });
});
