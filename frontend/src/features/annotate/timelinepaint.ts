import { formatMs } from "../../dom";
import type { FrameIndex } from "../../timeline/frames";
import { rulerStep } from "../../timeline/ruler";
import type { Viewport } from "../../timeline/viewport";

/** Size a canvas to the viewport width at the device pixel ratio and return a cleared context. */
export function sizeCanvas(c: HTMLCanvasElement, widthPx: number, heightPx: number): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  if (c.width !== Math.round(widthPx * dpr) || c.height !== Math.round(heightPx * dpr)) {
    c.width = Math.round(widthPx * dpr);
    c.height = Math.round(heightPx * dpr);
    c.style.width = `${widthPx}px`;
    c.style.height = `${heightPx}px`;
  }
  const ctx = c.getContext("2d") as CanvasRenderingContext2D;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, widthPx, heightPx);
  return ctx;
}

/** The time ruler: labelled steps, plus frame ticks once a frame is wider than 6 px. */
export function paintRuler(c: HTMLCanvasElement, vp: Viewport, frames: FrameIndex | null): void {
  const ctx = sizeCanvas(c, vp.widthPx, 20);
  const step = rulerStep(vp.msPerPx);
  ctx.fillStyle = "#5b6474";
  ctx.strokeStyle = "#b9c0cc";
  ctx.font = "10px system-ui, sans-serif";
  ctx.beginPath();
  for (let t = Math.floor(vp.startMs / step) * step; t <= vp.endMs; t += step) {
    const x = Math.round(vp.timeToPx(t)) + 0.5;
    ctx.moveTo(x, 12);
    ctx.lineTo(x, 20);
    ctx.fillText(formatMs(t), x + 3, 10);
  }
  ctx.stroke();
  if (frames && frames.frameDurationMs / vp.msPerPx >= 6) {
    ctx.beginPath();
    for (const t of frames.boundariesIn(vp.startMs, vp.endMs)) {
      const x = Math.round(vp.timeToPx(t)) + 0.5;
      ctx.moveTo(x, 16);
      ctx.lineTo(x, 20);
    }
    ctx.stroke();
  }
}

/** The overview bar: the whole item, the visible window and the playhead. */
export function paintOverview(c: HTMLCanvasElement, vp: Viewport, playheadMs: number): void {
  const W = vp.widthPx;
  const ctx = sizeCanvas(c, W, 12);
  const scale = W / Math.max(1, vp.durationMs);
  ctx.fillStyle = "#e3e7ee";
  ctx.fillRect(0, 0, W, 12);
  ctx.fillStyle = "rgba(79, 140, 255, 0.35)";
  ctx.fillRect(vp.startMs * scale, 0, Math.max(3, (vp.endMs - vp.startMs) * scale), 12);
  ctx.fillStyle = "#d62828";
  ctx.fillRect(playheadMs * scale - 1, 0, 2, 12);
}
