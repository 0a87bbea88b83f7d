import type { Annotation, Stream } from "../../api/types";
import { clear, formatMs, h } from "../../dom";
import { labelColor } from "../../timeline/colors";
import type { Region, Schema, Track } from "../../timeline/types";

/** One colour per annotator, in the order of the versions (stable within a page). */
const ANNOTATOR_COLORS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324"];

export interface Piece {
  start: number;
  end: number;
  /** Spans covering the whole piece, innermost last. */
  cover: Region[];
}

/** The text cut at every span boundary, each piece with the spans that cover it. */
export function textPieces(length: number, spans: Region[]): Piece[] {
  const cuts = new Set<number>([0, length]);
  for (const s of spans) {
    cuts.add(Math.max(0, Math.min(length, s.start_char ?? 0)));
    cuts.add(Math.max(0, Math.min(length, s.end_char ?? 0)));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: Piece[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const [a, b] = [points[i], points[i + 1]];
    out.push({ start: a, end: b, cover: spans.filter((s) => (s.start_char ?? 0) <= a && (s.end_char ?? 0) >= b) });
  }
  return out;
}

/** A region by its label and the text or time it covers: how relations are listed. */
export function regionCaption(r: Region | undefined, text: string): string {
  if (!r) return "(missing region)";
  const label = r.label ?? r.track;
  if (typeof r.start_char === "number" && typeof r.end_char === "number") return `${label} «${text.slice(r.start_char, r.end_char)}»`;
  if (r.text) return `${label} «${r.text}»`;
  if (typeof r.start_ms === "number") return `${label} @ ${formatMs(r.start_ms)}`;
  if (typeof r.time_ms === "number") return `${label} @ ${formatMs(r.time_ms)}`;
  if (r.keyframes?.length) return `${label} @ ${formatMs(r.keyframes[0].time_ms)}`;
  return label;
}

/**
 * Every annotator's version of the untimed work, side by side under the media: their spans on
 * each text (one row per annotator, stacked, in the annotator's colour), their relations listed
 * by region labels, and their transcript words. A toggle per annotator shows or hides their rows
 * here and their boxes on the video.
 */
export class VersionsView {
  readonly el: HTMLElement;
  readonly visible = new Set<string>();
  private body: HTMLElement;
  private listeners: (() => void)[] = [];

  constructor(
    private schema: Schema,
    private versions: Annotation[],
    private texts: Stream[],
  ) {
    for (const a of versions) this.visible.add(a.annotator.username);
    const toggles = h(
      "div",
      { class: "rv-toggles", testid: "version-toggles" },
      h("span", { class: "muted", text: "Show: " }),
      ...versions.map((a, i) => {
        const box = h("input", { type: "checkbox", testid: `show-${a.annotator.username}`, checked: true });
        box.addEventListener("change", () => {
          if (box.checked) this.visible.add(a.annotator.username);
          else this.visible.delete(a.annotator.username);
          this.render();
          for (const f of this.listeners) f();
        });
        return h("label", { class: "rv-toggle" }, box, h("span", { class: "swatch", style: `background:${this.color(i)}` }), ` ${a.annotator.username}`);
      }),
    );
    this.body = h("div", { class: "rv-body" });
    this.el = h("div", { class: "textpane rv-versions", testid: "versions-pane" }, h("div", { class: "pane-title", text: "Versions · spans, relations, words" }), toggles, this.body);
    this.render();
  }

  color(index: number): string {
    return ANNOTATOR_COLORS[index % ANNOTATOR_COLORS.length];
  }

  colorOf(username: string): string {
    return this.color(Math.max(0, this.versions.findIndex((a) => a.annotator.username === username)));
  }

  onToggle(f: () => void): void {
    this.listeners.push(f);
  }

  render(): void {
    clear(this.body);
    const shown = this.versions.filter((a) => this.visible.has(a.annotator.username));
    // redactions of text are spans; the rows keep only regions with character offsets
    const spanTracks = this.schema.tracks.filter((t) => t.kind === "span" || (t.kind === "redact" && t.stream !== undefined && this.texts.some((s) => s.role === t.stream)));
    for (const s of this.texts) {
      const tracks = spanTracks.filter((t) => !t.stream || t.stream === s.role || this.texts.length === 1);
      if (!tracks.length) continue;
      const text = s.text ?? "";
      this.body.append(h("h4", { text: `Text · ${s.role}` }));
      for (const a of shown) this.body.append(this.textRow(a, text, tracks));
    }
    const firstText = this.texts[0]?.text ?? "";
    for (const t of this.schema.tracks.filter((x) => x.kind === "relation")) {
      this.body.append(h("h4", { text: `Relations · ${t.name}` }));
      for (const a of shown) this.body.append(this.relationRows(a, t, firstText));
    }
    for (const t of this.schema.tracks.filter((x) => x.kind === "transcript")) {
      this.body.append(h("h4", { text: `Transcript · ${t.name}` }));
      for (const a of shown) {
        const segs = (a.result?.regions ?? []).filter((r) => r.track === t.name).sort((x, y) => (x.start_ms ?? 0) - (y.start_ms ?? 0));
        this.body.append(
          h("div", { class: "rv-row", testid: `transcript-${a.annotator.username}-${t.name}`, style: `border-left:4px solid ${this.colorOf(a.annotator.username)}` },
            h("span", { class: "rv-who", text: a.annotator.username }),
            ...segs.map((r) => h("span", { class: "rv-words", "data-start": r.start_ms ?? 0, title: formatMs(r.start_ms ?? 0), text: `${r.text ?? ""} ` })),
            segs.length ? null : h("span", { class: "muted", text: "no words" })),
        );
      }
    }
  }

  private textRow(a: Annotation, text: string, tracks: Track[]): HTMLElement {
    const names = new Set(tracks.map((t) => t.name));
    const spans = (a.result?.regions ?? []).filter((r) => names.has(r.track) && typeof r.start_char === "number" && typeof r.end_char === "number");
    const who = a.annotator.username;
    const row = h("div", { class: "rv-row rv-text", testid: `version-text-${who}`, style: `border-left:4px solid ${this.colorOf(who)}` }, h("span", { class: "rv-who", text: who }));
    for (const p of textPieces(text.length, spans)) {
      const piece = text.slice(p.start, p.end);
      if (!p.cover.length) {
        row.append(document.createTextNode(piece));
        continue;
      }
      const top = p.cover[p.cover.length - 1];
      const track = tracks.find((t) => t.name === top.track) as Track;
      row.append(h("mark", {
        class: "span vspan", testid: `vspan-${who}-${top.id}`, "data-start": p.start, "data-end": p.end,
        title: `${who}: ${p.cover.map((c) => c.label ?? "").join(", ")}`,
        style: `background:${labelColor(track, top.label)}44;border-bottom:2px solid ${labelColor(track, top.label)}`,
        text: piece,
      }));
    }
    row.append(h("span", { class: "rv-count muted", text: spans.length ? ` · ${spans.length} span(s): ${spans.map((s) => s.label).join(", ")}` : " · no spans" }));
    return row;
  }

  private relationRows(a: Annotation, track: Track, text: string): HTMLElement {
    const who = a.annotator.username;
    const all = a.result?.regions ?? [];
    const byId = new Map(all.map((r) => [r.id, r]));
    const rels = all.filter((r) => r.track === track.name);
    return h("div", { class: "rv-row", testid: `relations-${who}-${track.name}`, style: `border-left:4px solid ${this.colorOf(who)}` },
      h("span", { class: "rv-who", text: who }),
      rels.length
        ? h("ul", { class: "rv-rels" }, ...rels.map((r, i) =>
            h("li", { testid: `relation-${who}-${i}`, "data-from": regionCaption(byId.get(r.from_id ?? ""), text), "data-to": regionCaption(byId.get(r.to_id ?? ""), text) },
              `${regionCaption(byId.get(r.from_id ?? ""), text)} —${r.label ?? ""}→ ${regionCaption(byId.get(r.to_id ?? ""), text)}`)))
        : h("span", { class: "muted", text: "no relations" }));
  }

  /** Flash the characters [start, end) in every shown version and bring them into view. */
  showChars(start: number, end: number): void {
    let first: HTMLElement | null = null;
    for (const m of this.body.querySelectorAll<HTMLElement>(".rv-text mark, .rv-text")) m.classList.remove("rv-flash");
    for (const m of this.body.querySelectorAll<HTMLElement>("mark.vspan")) {
      const a = Number(m.dataset.start);
      const b = Number(m.dataset.end);
      if (a < end && b > start) {
        m.classList.add("rv-flash");
        first ??= m;
      }
    }
    (first ?? this.body).scrollIntoView({ block: "nearest" });
  }
}
