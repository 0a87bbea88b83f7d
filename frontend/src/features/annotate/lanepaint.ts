import { labelColor } from "../../timeline/colors";
import { isRedact, redactionText } from "../../timeline/drawnkind";
import type { LaneIndex } from "../../timeline/laneindex";
import type { Keyframe, Region, Word } from "../../timeline/types";
import type { DragPreview } from "./lanedrag";
import { laneWords, paintWords, wordBoxes, type WordBox } from "./lanewords";
import type { Lane, Layer, Workbench } from "./workbench";

/** The x of each keyframe of a box inside [0, widthPx] (keyframes off screen are not drawn). */
export function keyframeXs(keyframes: readonly Keyframe[], timeToPx: (ms: number) => number, widthPx: number): number[] {
  const out: number[] = [];
  for (const k of keyframes) {
    const x = timeToPx(k.time_ms);
    if (x >= -4 && x <= widthPx + 4) out.push(x);
  }
  return out;
}

/** Canvas painting of one lane's regions (segments, points, suggestions, selection). */
export class LanePainter {
  private hatch: CanvasPattern | null = null;
  private redactHatch: CanvasPattern | null = null;

  constructor(private wb: Workbench) {}

  hatchPattern(ctx: CanvasRenderingContext2D): CanvasPattern | null {
    if (this.hatch) return this.hatch;
    const c = document.createElement("canvas");
    c.width = c.height = 8;
    const g = c.getContext("2d");
    if (!g) return null;
    g.strokeStyle = "rgba(40,40,60,0.55)";
    g.lineWidth = 1.5;
    g.beginPath();
    g.moveTo(0, 8);
    g.lineTo(8, 0);
    g.stroke();
    this.hatch = ctx.createPattern(c, "repeat");
    return this.hatch;
  }

  /** Light cross-stripes over a redaction's fill: it hides that stretch of the media. */
  redactPattern(ctx: CanvasRenderingContext2D): CanvasPattern | null {
    if (this.redactHatch) return this.redactHatch;
    const c = document.createElement("canvas");
    c.width = c.height = 6;
    const g = c.getContext("2d");
    if (!g) return null;
    g.fillStyle = "rgba(10,12,16,0.35)";
    g.fillRect(0, 0, 6, 6);
    g.strokeStyle = "rgba(255,255,255,0.6)";
    g.lineWidth = 1.5;
    g.beginPath();
    g.moveTo(0, 0);
    g.lineTo(6, 6);
    g.stroke();
    this.redactHatch = ctx.createPattern(c, "repeat");
    return this.redactHatch;
  }

  /**
   * Draw one layer's visible regions with one fill and one stroke per label color (Path2D
   * batches), skipping regions that fall on an already painted pixel column, so a dense window
   * costs a few canvas calls instead of several per region. Labels and the selection are drawn
   * one by one, only where they are wide enough to read.
   */
  drawBatched(ctx: CanvasRenderingContext2D, lane: Lane, layer: Layer, idx: LaneIndex, vis: number[], y: number, hgt: number, preview: DragPreview | null = null): void {
    const vp = this.wb.viewport;
    type Batch = { path: Path2D; dense: Path2D; runStart: number; runEnd: number };
    const batches = new Map<string, Batch>();
    const points = new Map<string, Path2D>();
    const wide: number[] = [];
    let selected = -1;
    const flush = (b: Batch): void => {
      if (b.runEnd > b.runStart) b.dense.rect(b.runStart, y, b.runEnd - b.runStart, hgt);
      b.runStart = b.runEnd = -Infinity;
    };
    for (const i of vis) {
      const r = idx.regions[i];
      if (preview && preview.id === r.id) continue;
      if (this.wb.isSelected(layer, r.id)) {
        selected = i;
        continue;
      }
      const color = labelColor(lane.track, r.label);
      const x0 = vp.timeToPx(idx.starts[i]);
      if (idx.starts[i] === idx.ends[i]) {
        let p = points.get(color);
        if (!p) points.set(color, (p = new Path2D()));
        p.rect(Math.round(x0) - 1, y, 2, hgt);
        p.moveTo(x0, y);
        p.lineTo(x0 + 5, y + 5);
        p.lineTo(x0, y + 10);
        p.lineTo(x0 - 5, y + 5);
        p.closePath();
        wide.push(i);
        continue;
      }
      let b = batches.get(color);
      if (!b) batches.set(color, (b = { path: new Path2D(), dense: new Path2D(), runStart: -Infinity, runEnd: -Infinity }));
      const x1 = Math.max(x0 + 1, vp.timeToPx(idx.ends[i]));
      if (x1 - x0 < 3) {
        // narrow regions merge into runs of filled pixels: no borders, one rect per run
        if (x0 <= b.runEnd + 1) b.runEnd = Math.max(b.runEnd, x1);
        else {
          flush(b);
          b.runStart = x0;
          b.runEnd = x1;
        }
        continue;
      }
      b.path.rect(x0, y, x1 - x0, hgt);
      if (x1 - x0 > 28) wide.push(i);
    }
    for (const b of batches.values()) flush(b);
    const suggestion = layer.style === "suggestion";
    for (const [color, b] of batches) {
      ctx.globalAlpha = layer.style === "other" ? 0.45 : suggestion ? 0.28 : 0.6;
      ctx.fillStyle = color;
      ctx.fill(b.path);
      ctx.fill(b.dense);
      ctx.globalAlpha = 1;
      if (suggestion) {
        const p = this.hatchPattern(ctx);
        if (p) {
          ctx.fillStyle = p;
          ctx.fill(b.path);
          ctx.fill(b.dense);
        }
        ctx.setLineDash([4, 3]);
      }
      const rp = isRedact(lane.track) ? this.redactPattern(ctx) : null;
      if (rp) {
        ctx.fillStyle = rp;
        ctx.fill(b.path);
        ctx.fill(b.dense);
      }
      ctx.strokeStyle = color;
      ctx.lineWidth = 1;
      ctx.stroke(b.path);
      ctx.setLineDash([]);
    }
    for (const [color, p] of points) {
      ctx.globalAlpha = suggestion ? 0.6 : 1;
      ctx.fillStyle = color;
      ctx.fill(p);
      ctx.globalAlpha = 1;
    }
    if (wide.length <= 400) {
      ctx.fillStyle = "#10151f";
      ctx.font = "11px system-ui, sans-serif";
      for (const i of wide) {
        const r = idx.regions[i];
        const text = r.text ?? redactionText(lane.track, r.label);
        if (!text) continue;
        const x0 = vp.timeToPx(idx.starts[i]);
        if (idx.starts[i] === idx.ends[i]) {
          ctx.fillText(text, x0 + 6, y + hgt - 4);
          continue;
        }
        const x1 = vp.timeToPx(idx.ends[i]);
        const boxes = this.wordBoxesOf(lane, r, null);
        if (boxes) {
          paintWords(ctx, boxes, y, hgt);
          continue;
        }
        ctx.save();
        ctx.beginPath();
        ctx.rect(x0, y, x1 - x0, hgt);
        ctx.clip();
        ctx.fillText(text, Math.max(x0, 0) + 4, y + hgt / 2 + 4);
        ctx.restore();
      }
    }
    if (this.wb.kindOf(lane.track) === "box") this.drawKeyframes(ctx, idx, vis, y, hgt);
    if (preview && preview.id !== null) {
      const r = layer.regions().find((x) => x.id === preview.id);
      const color = labelColor(lane.track, r?.label);
      const x0 = vp.timeToPx(preview.startMs);
      if (preview.startMs === preview.endMs) this.drawPoint(ctx, x0, y, hgt, color, layer, true, r?.label);
      else {
        const boxes = r ? this.wordBoxesOf(lane, r, preview.words ?? null) : null;
        this.drawSegment(ctx, x0, Math.max(x0 + 1, vp.timeToPx(preview.endMs)), y, hgt, color, layer, true, boxes ? "" : r?.text ?? r?.label ?? "");
        if (boxes) paintWords(ctx, boxes, y, hgt);
      }
      this.drawHandles(ctx, x0, vp.timeToPx(preview.endMs), y, hgt);
    }
    if (selected >= 0) {
      const r = idx.regions[selected];
      const color = labelColor(lane.track, r.label);
      const x0 = vp.timeToPx(idx.starts[selected]);
      const x1 = vp.timeToPx(idx.ends[selected]);
      if (idx.starts[selected] === idx.ends[selected] && typeof r.time_ms === "number") this.drawPoint(ctx, x0, y, hgt, color, layer, true, r.label);
      else {
        const boxes = this.wordBoxesOf(lane, r, null);
        this.drawSegment(ctx, x0, Math.max(x0 + 1, x1), y, hgt, color, layer, true, boxes ? "" : r.text ?? redactionText(lane.track, r.label));
        if (boxes) paintWords(ctx, boxes, y, hgt);
        if (layer.editable && this.wb.kindOf(lane.track) !== "box") this.drawHandles(ctx, x0, x1, y, hgt);
      }
    }
  }

  /**
   * The word boxes a transcript segment shows on its lane (of the given words while a boundary is
   * dragged), or null where it shows its text: another kind of track, or words too narrow to read.
   */
  private wordBoxesOf(lane: Lane, r: Region, words: Word[] | null): WordBox[] | null {
    if (lane.track.kind !== "transcript") return null;
    const vp = this.wb.viewport;
    return wordBoxes(words ?? laneWords(r), (ms) => vp.timeToPx(ms), vp.widthPx);
  }

  /** Grips at both edges of an editable selected segment: where a press resizes it. */
  private drawHandles(ctx: CanvasRenderingContext2D, x0: number, x1: number, y: number, hgt: number): void {
    if (x1 - x0 < 12) return;
    ctx.fillStyle = "#111";
    ctx.fillRect(x0, y + 4, 3, hgt - 8);
    ctx.fillRect(x1 - 3, y + 4, 3, hgt - 8);
  }

  /** Each keyframe of a box as a diamond on its lane, so the annotator sees where the box was set. */
  private drawKeyframes(ctx: CanvasRenderingContext2D, idx: LaneIndex, vis: number[], y: number, hgt: number): void {
    const vp = this.wb.viewport;
    const cy = y + hgt / 2;
    const p = new Path2D();
    for (const i of vis) {
      for (const x of keyframeXs(idx.regions[i].keyframes ?? [], (ms) => vp.timeToPx(ms), vp.widthPx)) {
        p.moveTo(x, cy - 5);
        p.lineTo(x + 5, cy);
        p.lineTo(x, cy + 5);
        p.lineTo(x - 5, cy);
        p.closePath();
      }
    }
    ctx.fillStyle = "#10151f";
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = 1;
    ctx.fill(p);
    ctx.stroke(p);
  }

  drawSegment(ctx: CanvasRenderingContext2D, x0: number, x1: number, y: number, hgt: number, color: string, layer: Layer, selected: boolean, text: string): void {
    const w = x1 - x0;
    ctx.globalAlpha = layer.style === "other" ? 0.45 : layer.style === "suggestion" ? 0.28 : 0.6;
    ctx.fillStyle = color;
    ctx.fillRect(x0, y, w, hgt);
    ctx.globalAlpha = 1;
    if (layer.style === "suggestion") {
      const p = this.hatchPattern(ctx);
      if (p) {
        ctx.fillStyle = p;
        ctx.fillRect(x0, y, w, hgt);
      }
      ctx.setLineDash([4, 3]);
    }
    ctx.strokeStyle = selected ? "#111" : color;
    ctx.lineWidth = selected ? 2 : 1;
    ctx.strokeRect(x0 + 0.5, y + 0.5, Math.max(0, w - 1), hgt - 1);
    ctx.setLineDash([]);
    if (w > 28 && text) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(x0, y, w, hgt);
      ctx.clip();
      ctx.fillStyle = "#10151f";
      ctx.font = "11px system-ui, sans-serif";
      ctx.fillText(text, Math.max(x0, 0) + 4, y + hgt / 2 + 4);
      ctx.restore();
    }
  }

  drawPoint(ctx: CanvasRenderingContext2D, x: number, y: number, hgt: number, color: string, layer: Layer, selected: boolean, label: string | undefined): void {
    ctx.strokeStyle = color;
    ctx.lineWidth = selected ? 3 : 2;
    if (layer.style === "suggestion") ctx.setLineDash([3, 2]);
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x, y + hgt);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = selected ? "#111" : color;
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + 5, y + 5);
    ctx.lineTo(x, y + 10);
    ctx.lineTo(x - 5, y + 5);
    ctx.fill();
    if (label) {
      ctx.fillStyle = "#10151f";
      ctx.font = "10px system-ui, sans-serif";
      ctx.fillText(label, x + 6, y + hgt - 4);
    }
  }
}
