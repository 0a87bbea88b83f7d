import { h } from "../../dom";
import { arcBetween, arcBounds, arcDistance, clampX, intersects, type Arc, type Box } from "../../timeline/arcs";
import { labelColor } from "../../timeline/colors";
import { regionExtent, type Region, type Track } from "../../timeline/types";
import { describeRegion } from "./describe";
import type { Workbench } from "./workbench";

interface Drawn {
  id: string;
  arc: Arc;
  label: string;
  /** The label's box, for clicks. */
  lw: number;
}

interface End {
  box: Box;
  /** The region lies outside the visible time window (its box is pinned to the lane's edge). */
  off: "left" | "right" | null;
}

const LABEL_FONT = "11px system-ui, sans-serif";
const HIT_PX = 5;

/**
 * Relations drawn as labeled arcs over the workspace, from each relation's source region to its
 * target: a timed region's rectangle in its lane, a span's highlight in the text pane, a transcript
 * segment's row when it has no lane. One canvas above everything, transparent to the pointer
 * except where an arc or its label is: a click there selects the relation.
 *
 * Per frame only relations with an end in view are drawn; positions come from one rectangle per
 * lane and per span, so 1,000 relations cost a few thousand arithmetic steps and strokes.
 */
export class RelationsOverlay {
  readonly canvas: HTMLCanvasElement;
  readonly button: HTMLButtonElement;
  /** The drawn arcs as a list, for assistive technology (and tests): label, ends, label position. */
  readonly list: HTMLElement;
  visible = true;
  private drawn: Drawn[] = [];
  private pending = false;
  private relTracks: Map<string, Track>;
  private relations: Region[] = [];
  private relRev = -1;
  private laneBodies = new Map<string, HTMLElement>();
  private marks = new Map<string, HTMLElement>();
  private marksRev = -1;
  private listKey = "";
  private widths = new Map<string, number>();
  /** Element rectangles read once per drawn frame (lanes, text panes), however many arcs use them. */
  private rects = new Map<Element, DOMRect>();

  private host: HTMLElement | null = null;

  constructor(private wb: Workbench) {
    this.relTracks = new Map(wb.schema.tracks.filter((t) => t.kind === "relation").map((t) => [t.name, t]));
    this.canvas = h("canvas", { class: "rel-overlay", testid: "relations-overlay" });
    this.list = h("ul", { class: "visually-hidden", testid: "relation-arcs", "aria-label": "Relations drawn" });
    this.button = h("button", { testid: "relations-toggle", title: "Show / hide relation arcs (Shift+R)", onclick: () => this.toggle() });
    this.showButton();
  }

  /** Draw over `host` (the workspace: media, text panes and timeline). */
  attach(host: HTMLElement): void {
    this.host = host;
    host.classList.add("rel-host");
    host.append(this.canvas, this.list);
    const req = (): void => this.request();
    this.wb.events.on("viewport", req);
    this.wb.events.on("redraw", req);
    this.wb.events.on("select", req);
    host.addEventListener("scroll", req, { capture: true, passive: true });
    window.addEventListener("resize", req);
    new ResizeObserver(req).observe(host);
    host.addEventListener("pointerdown", (e) => this.onDown(e), { capture: true });
    host.addEventListener("pointermove", (e) => this.onHover(e), { passive: true });
    this.request();
  }

  toggle(): void {
    this.visible = !this.visible;
    this.showButton();
    this.wb.status(this.visible ? "Relations shown" : "Relations hidden (Shift+R shows them)");
    this.request();
  }

  private showButton(): void {
    this.button.textContent = this.visible ? "Relations: on" : "Relations: off";
    this.button.setAttribute("aria-pressed", String(this.visible));
  }

  request(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  /** The relations of the annotation, refreshed when the store changes. */
  private currentRelations(): Region[] {
    const rev = this.wb.store.revision;
    if (rev !== this.relRev) {
      this.relRev = rev;
      this.relations = this.relTracks.size ? this.wb.store.all().filter((r) => this.relTracks.has(r.track)) : [];
    }
    return this.relations;
  }

  private laneBody(track: string): HTMLElement | undefined {
    let el = this.laneBodies.get(track);
    if (!el || !el.isConnected) {
      this.laneBodies.clear();
      // the annotation's own lane of a track (review pages also show each annotator's version)
      for (const b of (this.host as HTMLElement).querySelectorAll<HTMLElement>(".tl-lane-body[data-track]")) {
        const name = b.dataset.track as string;
        const own = b.closest(".tl-lane")?.classList.contains("editable") ?? false;
        if (!this.laneBodies.has(name) || own) this.laneBodies.set(name, b);
      }
      el = this.laneBodies.get(track);
    }
    return el;
  }

  private mark(id: string): HTMLElement | undefined {
    const el = this.marks.get(id);
    if (this.marksRev !== this.wb.store.revision || (el && !el.isConnected)) {
      this.marksRev = this.wb.store.revision;
      this.marks.clear();
      for (const m of (this.host as HTMLElement).querySelectorAll<HTMLElement>("mark.span[data-id], .tr-row[data-id]")) {
        const key = m.dataset.id as string;
        if (!this.marks.has(key)) this.marks.set(key, m);
      }
      return this.marks.get(id);
    }
    return el;
  }

  /** Where a region is drawn, relative to the host; null when it is not on screen at all. */
  private end(r: Region, hr: DOMRect): End | null {
    const ext = regionExtent(r);
    const body = ext ? this.laneBody(r.track) : undefined;
    if (ext && body) {
      const br = this.rectOf(body);
      if (br.height === 0) return null;
      const vp = this.wb.viewport;
      const a = br.left - hr.left + vp.timeToPx(ext[0]);
      const b = br.left - hr.left + vp.timeToPx(ext[1]);
      const left = br.left - hr.left;
      const right = br.right - hr.left;
      const off = b < left ? "left" : a > right ? "right" : null;
      const box = clampX({ left: a, right: b, top: br.top - hr.top + 3, bottom: br.bottom - hr.top - 3 }, left, right);
      return { box, off };
    }
    const el = this.mark(r.id);
    if (!el) return null;
    const er = el.getBoundingClientRect();
    const pane = el.closest<HTMLElement>(".texts");
    if (pane) {
      const pr = this.rectOf(pane);
      if (er.bottom < pr.top || er.top > pr.bottom) return null;
    }
    return { box: { left: er.left - hr.left, right: er.right - hr.left, top: er.top - hr.top, bottom: er.bottom - hr.top }, off: null };
  }

  private rectOf(el: Element): DOMRect {
    let r = this.rects.get(el);
    if (!r) {
      r = el.getBoundingClientRect();
      this.rects.set(el, r);
    }
    return r;
  }

  private textWidth(ctx: CanvasRenderingContext2D, s: string): number {
    let w = this.widths.get(s);
    if (w === undefined) {
      w = ctx.measureText(s).width;
      this.widths.set(s, w);
    }
    return w;
  }

  draw(): void {
    if (!this.host) return;
    const dpr = window.devicePixelRatio || 1;
    const host = this.host;
    const W = host.clientWidth;
    const H = host.clientHeight;
    if (this.canvas.width !== Math.round(W * dpr) || this.canvas.height !== Math.round(H * dpr)) {
      this.canvas.width = Math.round(W * dpr);
      this.canvas.height = Math.round(H * dpr);
      this.canvas.style.width = `${W}px`;
      this.canvas.style.height = `${H}px`;
    }
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    this.drawn = [];
    this.rects.clear();
    const relations = this.visible ? this.currentRelations() : [];
    if (relations.length) {
      const hr = host.getBoundingClientRect();
      const surface: Box = { left: 0, top: 0, right: W, bottom: H };
      const store = this.wb.store;
      const selected = this.wb.selection?.id;
      ctx.font = LABEL_FONT;
      ctx.textBaseline = "middle";
      for (const rel of relations) {
        const from = rel.from_id ? store.get(rel.from_id) : undefined;
        const to = rel.to_id ? store.get(rel.to_id) : undefined;
        if (!from || !to) continue;
        const a = this.end(from, hr);
        if (!a) continue;
        const b = this.end(to, hr);
        if (!b || (a.off && a.off === b.off)) continue;
        const arc = arcBetween(a.box, b.box);
        if (!intersects(arcBounds(arc), surface)) continue;
        const track = this.relTracks.get(rel.track) as Track;
        const color = labelColor(track, rel.label);
        const isSel = rel.id === selected;
        ctx.strokeStyle = color;
        ctx.lineWidth = isSel ? 3 : 1.5;
        ctx.setLineDash(a.off || b.off ? [5, 4] : []);
        ctx.beginPath();
        ctx.moveTo(arc.x0, arc.y0);
        ctx.quadraticCurveTo(arc.cx, arc.cy, arc.x1, arc.y1);
        ctx.stroke();
        this.arrowHead(ctx, arc, color);
        const label = rel.label ?? rel.track;
        const lw = this.textWidth(ctx, label) + 8;
        ctx.fillStyle = isSel ? color : "rgba(255,255,255,0.92)";
        ctx.fillRect(arc.lx - lw / 2, arc.ly - 8, lw, 16);
        ctx.fillStyle = isSel ? "#fff" : "#1b2230";
        ctx.fillText(label, arc.lx - lw / 2 + 4, arc.ly);
        this.drawn.push({ id: rel.id, arc, label, lw });
      }
      ctx.setLineDash([]);
    }
    if (!this.wb.clock.playing) this.updateList();
  }

  private arrowHead(ctx: CanvasRenderingContext2D, arc: Arc, color: string): void {
    const ang = Math.atan2(arc.y1 - arc.cy, arc.x1 - arc.cx);
    const s = 7;
    ctx.setLineDash([]);
    ctx.fillStyle = color;
    ctx.beginPath();
    ctx.moveTo(arc.x1, arc.y1);
    ctx.lineTo(arc.x1 - s * Math.cos(ang - 0.4), arc.y1 - s * Math.sin(ang - 0.4));
    ctx.lineTo(arc.x1 - s * Math.cos(ang + 0.4), arc.y1 - s * Math.sin(ang + 0.4));
    ctx.closePath();
    ctx.fill();
  }

  /** Rewrite the hidden list of drawn arcs when what is drawn (or where) changed. */
  private updateList(): void {
    const hr = (this.host as HTMLElement).getBoundingClientRect();
    const rows = this.drawn.map((d) => ({ d, x: Math.round(hr.left + d.arc.lx), y: Math.round(hr.top + d.arc.ly) }));
    const key = rows.map((r) => `${r.d.id}:${r.x}:${r.y}:${r.d.label}`).join("|");
    if (key === this.listKey) return;
    this.listKey = key;
    const store = this.wb.store;
    this.list.replaceChildren(
      ...rows.map(({ d, x, y }) => {
        const rel = store.get(d.id) as Region;
        return h("li", { "data-id": d.id, "data-label": d.label, "data-x": x, "data-y": y, text: `${d.label}: ${describeRegion(store.get(rel.from_id ?? ""))} → ${describeRegion(store.get(rel.to_id ?? ""))}` });
      }),
    );
  }

  /** The drawn relation under a point (host coordinates): on its label, else within HIT_PX of its curve. */
  hitAt(x: number, y: number): string | null {
    let best: string | null = null;
    let bestD = HIT_PX;
    for (let i = this.drawn.length - 1; i >= 0; i--) {
      const d = this.drawn[i];
      if (Math.abs(x - d.arc.lx) <= d.lw / 2 && Math.abs(y - d.arc.ly) <= 8) return d.id;
      const b = arcBounds(d.arc);
      if (x < b.left - HIT_PX || x > b.right + HIT_PX || y < b.top - HIT_PX || y > b.bottom + HIT_PX) continue;
      const dist = arcDistance(d.arc, x, y);
      if (dist < bestD) {
        bestD = dist;
        best = d.id;
      }
    }
    return best;
  }

  private pointIn(e: PointerEvent): { x: number; y: number } {
    const hr = (this.host as HTMLElement).getBoundingClientRect();
    return { x: e.clientX - hr.left, y: e.clientY - hr.top };
  }

  private onDown(e: PointerEvent): void {
    if (!this.visible || e.button !== 0 || !this.drawn.length || this.wb.relationFrom) return;
    const p = this.pointIn(e);
    const id = this.hitAt(p.x, p.y);
    if (!id) return;
    const rel = this.wb.store.get(id);
    if (!rel) return;
    e.stopPropagation();
    e.preventDefault();
    this.wb.select({ layer: this.wb.ownLayer(rel.track), id }, "click");
    this.wb.status(`Relation ${rel.label ?? ""}: ${describeRegion(this.wb.store.get(rel.from_id ?? ""))} → ${describeRegion(this.wb.store.get(rel.to_id ?? ""))} (Delete removes it)`);
  }

  private onHover(e: PointerEvent): void {
    if (!this.visible || !this.drawn.length || e.buttons) return;
    const p = this.pointIn(e);
    const over = this.hitAt(p.x, p.y) !== null;
    this.host?.classList.toggle("rel-hover", over);
  }
}
