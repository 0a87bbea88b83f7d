import { h } from "../../dom";
import type { Clock } from "../../timeline/clock";
import type { Action } from "../../timeline/keymap";
import type { Workbench } from "./workbench";

export interface ToolbarParts {
  run: (a: Action) => void;
  clock: Clock;
  wb: Workbench;
  /** Play button, time and frame readouts, in that order (the shell updates them). */
  transport: [HTMLButtonElement, HTMLElement, HTMLElement];
  followBtn: HTMLButtonElement;
  /** More view toggles after the follow button (relation arcs). */
  viewToggles?: HTMLElement[];
  title: string;
  /** Buttons at the right (submit, skip, next / resolve). */
  actions: HTMLElement[];
}

/** The editor's toolbar: transport, rate, loop and follow; zoom, undo/redo and the key overlay; the mode's buttons. */
export function buildToolbar(p: ToolbarParts): HTMLElement {
  const [playBtn, timeEl, frameEl] = p.transport;
  const rate = h("select", { testid: "rate", title: "Playback rate" });
  for (const r of [0.5, 0.75, 1, 1.25, 1.5, 2]) {
    const o = h("option", { value: String(r), text: `${r}×` });
    if (r === 1) o.selected = true;
    rate.append(o);
  }
  rate.addEventListener("change", () => p.clock.setRate(Number(rate.value)));
  // the rate keys change the clock directly; the menu shows what it plays at
  p.clock.on("rate", (e) => (rate.value = String(e.rate)));
  const btn = (testid: string, text: string, title: string, fn: () => void): HTMLButtonElement => h("button", { testid, text, title, onclick: fn });
  return h(
    "header",
    { class: "toolbar" },
    h("div", { class: "tb-group" },
      btn("frame-prev", "‹", "Previous frame (←)", () => p.run("frame-prev")),
      playBtn,
      btn("frame-next", "›", "Next frame (→)", () => p.run("frame-next")),
      timeEl,
      frameEl,
      rate,
      btn("loop", "⟲", "Loop selected region (l)", () => p.run("loop")),
      p.followBtn,
      ...(p.viewToggles ?? []),
    ),
    h("div", { class: "tb-group" },
      btn("zoom-out", "−", "Zoom out (-)", () => p.run("zoom-out")),
      btn("zoom-fit", "Fit", "Whole recording", () => { p.wb.viewport.fitAll(); p.wb.viewportChanged(); }),
      btn("zoom-in", "+", "Zoom in (=)", () => p.run("zoom-in")),
      btn("undo", "↶", "Undo (Ctrl+Z)", () => p.run("undo")),
      btn("redo", "↷", "Redo (Ctrl+Shift+Z)", () => p.run("redo")),
      btn("keys-help", "?", "Keyboard shortcuts (?)", () => p.run("help")),
    ),
    h("div", { class: "tb-title", text: p.title }),
    h("div", { class: "tb-group tb-right" }, ...p.actions),
  );
}
