import { clear, formatMs, h } from "../../dom";
import { labelColor } from "../../timeline/colors";
import { isRedact, redactionText } from "../../timeline/drawnkind";
import { LaneIndex } from "../../timeline/laneindex";
import { upperBound } from "../../timeline/search";
import { regionWords } from "../../timeline/words";
import type { Region, Track } from "../../timeline/types";
import { WordEditing, type WordRef } from "./wordedit";
import type { Layer, Workbench } from "./workbench";

interface Row {
  region: Region;
  el: HTMLElement;
  words: HTMLElement[];
  starts: number[];
}

/**
 * The transcript pane: segments of a transcript track, current segment and word highlighted.
 * A click on a word seeks to it and picks it; a double click (or F2) edits it in place; the
 * selected segment shows its words on a bar whose boundaries can be dragged.
 */
export class TranscriptView {
  readonly el: HTMLElement;
  private list: HTMLElement;
  private rows: Row[] = [];
  private index = new LaneIndex([]);
  private current: Row | null = null;
  private currentWord: HTMLElement | null = null;
  private lastRev = -1;
  private layer: Layer | null = null;
  readonly words: WordEditing;

  constructor(
    private wb: Workbench,
    private track: Track,
  ) {
    this.list = h("div", { class: "tr-list" });
    this.el = h("div", { class: "transcript", testid: "transcript" }, h("div", { class: "pane-title", text: `Transcript · ${track.name}` }), this.list);
    this.words = new WordEditing(wb);
    this.list.addEventListener("dblclick", (e) => this.onDoubleClick(e));
    wb.clock.on("time", (e) => this.highlight(e.timeMs));
    wb.events.on("redraw", () => this.rebuild());
    wb.events.on("select", () => this.markSelected());
  }

  setLayer(layer: Layer): void {
    this.layer = layer;
    this.rebuild();
  }

  rebuild(): void {
    const layer = this.layer;
    if (!layer || layer.revision() === this.lastRev) return;
    this.lastRev = layer.revision();
    const regions = layer.regions().filter((r) => r.track === this.track.name);
    this.index = new LaneIndex(regions);
    clear(this.list);
    this.rows = this.index.regions.map((r) => {
      const start = r.start_ms ?? 0;
      const wt = regionWords(r);
      const words = wt.map((w, i) =>
        h("span", { class: "tr-word", testid: "transcript-word", "data-start": w.start_ms, "data-index": i, "data-region": r.id, text: w.text }),
      );
      const textEl = h("div", { class: "tr-text" });
      words.forEach((w, i) => {
        if (i) textEl.append(" ");
        textEl.append(w);
      });
      const el = h(
        "div",
        { class: "tr-row", testid: `transcript-segment-${r.id}`, "data-id": r.id },
        h("button", { class: "tr-time", title: "Select this segment", text: `${formatMs(start)} → ${formatMs(r.end_ms ?? start)}` }),
        h("div", { class: "tr-main" }, textEl),
      );
      return { region: r, el, words, starts: wt.map((w) => w.start_ms) };
    });
    this.list.append(...this.rows.map((r) => r.el));
    this.list.onclick = (e) => this.onClick(e);
    this.current = null;
    this.highlight(this.wb.clock.timeMs);
    this.markSelected();
  }

  private onClick(e: MouseEvent): void {
    const t = e.target as HTMLElement;
    const rowEl = t.closest<HTMLElement>(".tr-row");
    if (!rowEl || !this.layer) return;
    const id = rowEl.dataset.id as string;
    if (this.wb.relationFrom) {
      this.wb.events.emit("relation-target", { layer: this.layer, id });
      return;
    }
    if (t.classList.contains("tr-word")) {
      this.words.selected = { id, index: Number(t.dataset.index) };
      this.wb.clock.seek(Number(t.dataset.start));
      if (this.wb.selection?.id !== id) this.wb.select({ layer: this.layer, id }, "click");
      else this.markSelected();
    } else if (!t.closest(".tr-wordbar, .tr-word-edit")) {
      this.wb.select({ layer: this.layer, id }, "click");
    }
  }

  private onDoubleClick(e: MouseEvent): void {
    const t = e.target as HTMLElement;
    if (!t.classList.contains("tr-word") || !this.layer?.editable) return;
    this.startEdit({ id: t.dataset.region as string, index: Number(t.dataset.index) });
  }

  /** Edit a word in place (double click, or the word-edit key on the picked word). */
  startEdit(ref: WordRef): void {
    const row = this.rows.find((r) => r.region.id === ref.id);
    const span = row?.words[ref.index];
    if (span) this.words.editInPlace(span, ref);
  }

  /** A word action from the keyboard (edit, split, merge); true when it was one. */
  runAction(action: string): boolean {
    const t = this.words.target();
    if (!t || t.r.track !== this.track.name) return false;
    return this.words.run(action, (ref) => this.startEdit(ref));
  }

  private markSelected(): void {
    const id = this.wb.selection?.id;
    if (this.words.selected && this.words.selected.id !== id) this.words.selected = null;
    const picked = this.words.selected;
    for (const r of this.list.querySelectorAll<HTMLElement>(".tr-row.selected")) this.paintRow(r, false, null);
    const row = id ? this.rows.find((r) => r.region.id === id) : undefined;
    if (row) this.paintRow(row.el, true, picked?.index ?? null, row.region);
  }

  private paintRow(el: HTMLElement, on: boolean, picked: number | null, region?: Region): void {
    el.classList.toggle("selected", on);
    el.querySelectorAll<HTMLElement>(".tr-word").forEach((w, i) => w.classList.toggle("word-selected", i === picked));
    const main = el.querySelector(".tr-main") as HTMLElement;
    main.querySelector(".tr-wordbar")?.remove();
    if (on && region && this.layer) main.append(this.words.wordBar(region, this.layer.editable));
  }

  private highlight(ms: number): void {
    const active = this.index.activeAt(ms);
    const row = active ? this.rows.find((r) => r.region === active) ?? null : null;
    if (row !== this.current) {
      this.current?.el.classList.remove("current");
      row?.el.classList.add("current");
      if (row && this.wb.clock.playing) row.el.scrollIntoView({ block: "nearest" });
      this.current = row;
    }
    let word: HTMLElement | null = null;
    if (row && row.words.length) word = row.words[Math.max(0, upperBound(row.starts, ms) - 1)];
    if (word !== this.currentWord) {
      this.currentWord?.classList.remove("current");
      word?.classList.add("current");
      this.currentWord = word;
    }
  }
}

/**
 * A text stream with its span regions highlighted. Selecting text and pressing a span label's
 * hotkey creates a span with character offsets into the stream's text.
 */
export class TextPane {
  readonly el: HTMLElement;
  private body: HTMLElement;
  private lastRev = -1;

  constructor(
    private wb: Workbench,
    readonly role: string,
    readonly text: string,
    private spanTracks: Track[],
  ) {
    this.body = h("div", { class: "text-body", testid: `text-${role}` });
    this.el = h("div", { class: "textpane" }, h("div", { class: "pane-title", text: `Text · ${role}` }), this.body);
    this.body.addEventListener("click", (e) => this.onClick(e));
    wb.events.on("redraw", () => this.render());
    this.render();
  }

  /** Character offsets of the current selection inside this pane, or null. */
  selectionOffsets(): { start: number; end: number } | null {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    if (!this.body.contains(range.startContainer) || !this.body.contains(range.endContainer)) return null;
    const pre = document.createRange();
    pre.selectNodeContents(this.body);
    pre.setEnd(range.startContainer, range.startOffset);
    const start = pre.toString().length;
    const end = start + range.toString().length;
    return end > start ? { start, end } : null;
  }

  render(): void {
    if (this.wb.store.revision === this.lastRev) return;
    this.lastRev = this.wb.store.revision;
    const names = new Set(this.spanTracks.map((t) => t.name));
    const spans = this.wb.store.all().filter((r) => names.has(r.track) && typeof r.start_char === "number" && typeof r.end_char === "number");
    const cuts = new Set<number>([0, this.text.length]);
    for (const s of spans) {
      cuts.add(Math.max(0, Math.min(this.text.length, s.start_char as number)));
      cuts.add(Math.max(0, Math.min(this.text.length, s.end_char as number)));
    }
    const points = [...cuts].sort((a, b) => a - b);
    clear(this.body);
    for (let i = 0; i + 1 < points.length; i++) {
      const a = points[i];
      const b = points[i + 1];
      const piece = this.text.slice(a, b);
      const cover = spans.filter((s) => (s.start_char as number) <= a && (s.end_char as number) >= b);
      if (!cover.length) {
        this.body.append(document.createTextNode(piece));
        continue;
      }
      const top = cover[cover.length - 1];
      const track = this.spanTracks.find((t) => t.name === top.track) as Track;
      const mark = h("mark", {
        class: `span${isRedact(track) ? " redact" : ""}${this.wb.selection?.id === top.id ? " selected" : ""}`,
        testid: `span-${top.id}`,
        "data-id": top.id,
        "data-reason": isRedact(track) ? top.label ?? "" : undefined,
        title: cover.map((c) => redactionText(this.spanTracks.find((t) => t.name === c.track), c.label)).join(", "),
        style: `background:${labelColor(track, top.label)}55;border-bottom:2px solid ${labelColor(track, top.label)}`,
        text: piece,
      });
      this.body.append(mark);
    }
  }

  private onClick(e: MouseEvent): void {
    const mark = (e.target as HTMLElement).closest<HTMLElement>("mark.span");
    if (!mark) return;
    const id = mark.dataset.id as string;
    const region = this.wb.store.get(id);
    if (!region) return;
    const ownLayer = this.wb.ownLayer(region.track);
    if (this.wb.relationFrom) {
      this.wb.events.emit("relation-target", { layer: ownLayer, id });
      return;
    }
    this.wb.select({ layer: ownLayer, id }, "click");
  }
}
