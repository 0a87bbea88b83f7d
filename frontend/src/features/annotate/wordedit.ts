import { h } from "../../dom";
import type { Region, Word } from "../../timeline/types";
import { charAtTime, mergeWords, moveBoundary, regionWords, setWordText, splitWord, wordAt, wordsPatch } from "../../timeline/words";
import type { Workbench } from "./workbench";

/** A word of a transcript segment picked in the transcript pane (by click, or under the playhead). */
export interface WordRef {
  id: string;
  index: number;
}

/**
 * Word-level editing of transcript segments: a word's text in place, split, merge with the next,
 * and the boundaries between words dragged on a bar under the selected segment. Each edit writes
 * the segment's `words` and the text they spell as one undo step.
 */
export class WordEditing {
  selected: WordRef | null = null;
  private editing = false;

  constructor(private wb: Workbench) {}

  private region(id: string): Region | undefined {
    const r = this.wb.store.get(id);
    return r && this.wb.track(r.track)?.kind === "transcript" ? r : undefined;
  }

  private writable(): boolean {
    if (this.wb.readOnly) {
      this.wb.status("This annotation is submitted: it is read-only");
      return false;
    }
    return true;
  }

  private write(id: string, words: Word[] | null, label: string, done: string): boolean {
    if (!words) return false;
    this.wb.store.update(id, wordsPatch(words), label);
    this.wb.status(done);
    return true;
  }

  /** The word an action applies to: the picked one, else the one under the playhead in the selected segment. */
  target(): { r: Region; words: Word[]; index: number } | null {
    const sel = this.selected;
    if (sel) {
      const r = this.region(sel.id);
      if (r) {
        const words = regionWords(r);
        if (sel.index < words.length) return { r, words, index: sel.index };
      }
    }
    const s = this.wb.selection;
    const r = s && s.layer.editable ? this.region(s.id) : undefined;
    if (!r) return null;
    const words = regionWords(r);
    const index = wordAt(words, this.wb.clock.timeMs);
    return index >= 0 ? { r, words, index } : null;
  }

  /** Run a word action from the keyboard; true when it was one. */
  run(action: string, startEdit: (ref: WordRef) => void): boolean {
    if (action !== "word-edit" && action !== "word-split" && action !== "word-merge") return false;
    const t = this.target();
    if (!t) {
      this.wb.status("Pick a word in the transcript first (click it)");
      return true;
    }
    if (!this.writable()) return true;
    if (action === "word-edit") startEdit({ id: t.r.id, index: t.index });
    else if (action === "word-split") {
      const w = t.words[t.index];
      const ms = this.wb.clock.timeMs;
      const ok = this.write(t.r.id, splitWord(t.words, t.index, charAtTime(w, ms), ms), "split word", `Split “${w.text}”`);
      if (!ok) this.wb.status(`“${w.text}” is too short to split`);
    } else {
      const next = t.words[t.index + 1];
      const ok = next && this.write(t.r.id, mergeWords(t.words, t.index), "merge words", `Merged “${t.words[t.index].text}” and “${next.text}”`);
      if (!ok) this.wb.status("The last word of a segment has no next word to merge with");
    }
    return true;
  }

  /**
   * Replace a word element by an input holding its text. Enter or leaving the field keeps the
   * text (spaces split the word, nothing removes it); Esc cancels.
   */
  editInPlace(span: HTMLElement, ref: WordRef): void {
    this.openEditor(ref, "tr-word-edit", (input) => span.replaceWith(input), (input) => input.replaceWith(span));
  }

  /**
   * The same editor laid over a word drawn on a lane: `host` is the lane's body and `leftPx`,
   * `widthPx` the word's box in it. The input goes away however the edit ends.
   */
  editOnLane(host: HTMLElement, ref: WordRef, leftPx: number, widthPx: number): void {
    this.openEditor(
      ref,
      "tr-word-edit lane-word-edit",
      (input) => {
        input.style.left = `${Math.round(leftPx)}px`;
        input.style.minWidth = `${Math.round(widthPx)}px`;
        host.append(input);
      },
      (input) => input.remove(),
      true,
    );
  }

  /**
   * Show an input holding word ref's text (`mount` puts it in place, `unmount` takes it out when
   * nothing was written, or always with `alwaysUnmount`) and write what it holds on Enter or blur.
   */
  private openEditor(ref: WordRef, className: string, mount: (input: HTMLInputElement) => void, unmount: (input: HTMLInputElement) => void, alwaysUnmount = false): void {
    const r = this.region(ref.id);
    if (!r || this.editing || !this.writable()) return;
    const words = regionWords(r);
    const w = words[ref.index];
    if (!w) return;
    this.editing = true;
    this.selected = ref;
    const input = h("input", { class: className, testid: "word-editor", value: w.text, size: Math.max(3, w.text.length + 1), "aria-label": "Word" });
    let done = false;
    const finish = (keep: boolean): void => {
      if (done) return;
      done = true;
      this.editing = false;
      if (keep && input.value !== w.text) {
        this.write(ref.id, setWordText(words, ref.index, input.value), "edit word", input.value.trim() ? `“${w.text}” → “${input.value.trim()}”` : `Removed “${w.text}”`);
        if (alwaysUnmount) unmount(input);
      } else {
        unmount(input);
      }
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        finish(true);
      } else if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        finish(false);
      }
    });
    input.addEventListener("input", () => (input.size = Math.max(3, input.value.length + 1)));
    input.addEventListener("blur", () => finish(true));
    mount(input);
    input.focus();
    input.select();
  }

  /**
   * The bar under a selected segment: its words as boxes along its time, with a handle on every
   * boundary between two words; dragging a handle moves that boundary (one undo step on release).
   */
  wordBar(r: Region, editable: boolean): HTMLElement {
    const start = r.start_ms ?? 0;
    const dur = Math.max(1, (r.end_ms ?? start) - start);
    const words = regionWords(r);
    const pct = (ms: number): string => `${(((ms - start) / dur) * 100).toFixed(3)}%`;
    const boxes = words.map((w, i) =>
      h("div", { class: `tr-wb-word${this.selected?.id === r.id && this.selected.index === i ? " word-selected" : ""}`, style: `left:${pct(w.start_ms)};width:${pct(start + w.end_ms - w.start_ms)}`, title: w.text, text: w.text }),
    );
    const bar = h("div", { class: "tr-wordbar", testid: `wordbar-${r.id}`, title: "Drag a boundary between two words to retime them" }, ...boxes);
    if (!editable) return bar;
    for (let i = 0; i + 1 < words.length; i++) {
      const handle = h("div", { class: "tr-boundary", testid: `word-boundary-${i}`, style: `left:${pct(words[i].end_ms)}`, title: `${words[i].text} | ${words[i + 1].text}` });
      handle.addEventListener("pointerdown", (e) => {
        e.preventDefault();
        e.stopPropagation();
        handle.setPointerCapture(e.pointerId);
        let moved: Word[] | null = null;
        const move = (ev: PointerEvent): void => {
          const rect = bar.getBoundingClientRect();
          const ms = start + ((ev.clientX - rect.left) / Math.max(1, rect.width)) * dur;
          moved = moveBoundary(words, i, ms);
          if (!moved) return;
          handle.style.left = pct(moved[i].end_ms);
          boxes[i].style.width = pct(start + moved[i].end_ms - moved[i].start_ms);
          boxes[i + 1].style.left = pct(moved[i + 1].start_ms);
          boxes[i + 1].style.width = pct(start + moved[i + 1].end_ms - moved[i + 1].start_ms);
        };
        const up = (): void => {
          handle.removeEventListener("pointermove", move);
          handle.removeEventListener("pointerup", up);
          handle.removeEventListener("pointercancel", up);
          if (moved && moved[i].end_ms !== words[i].end_ms) {
            this.write(r.id, moved, "move word boundary", `“${words[i].text}” | “${words[i + 1].text}” at ${moved[i].end_ms} ms`);
          }
        };
        handle.addEventListener("pointermove", move);
        handle.addEventListener("pointerup", up);
        handle.addEventListener("pointercancel", up);
      });
      bar.append(handle);
    }
    return bar;
  }
}
