import { h } from "../../dom";
import { keyHelp, type KeyMap } from "../../timeline/keymap";

/** A table of every binding of the key map (generated, so it cannot drift from the keys). */
export function keysTable(map: KeyMap): HTMLTableElement {
  return h(
    "table",
    { class: "keys-table" },
    ...keyHelp(map).map((row) =>
      h("tr", { "data-action": row.action }, h("td", {}, ...row.keys.flatMap((k, i) => [i ? " " : "", h("kbd", { text: k })])), h("td", { text: row.description })),
    ),
  );
}

/** The `?` overlay: every key, plus the schema hotkeys an editor key holds (they do nothing). */
export class KeysOverlay {
  readonly el: HTMLElement;

  constructor(map: KeyMap) {
    const taken = map.conflicts.map((c) => h("li", { text: `${c.hotkey}: label ${c.label} (${c.track}) — the key is the editor's (${c.takenBy}); pick the label in the side panel` }));
    this.el = h(
      "div",
      { class: "keys-overlay hidden", testid: "keys-overlay", role: "dialog", "aria-label": "Keyboard shortcuts" },
      h(
        "div",
        { class: "keys-card" },
        h("h2", { text: "Keyboard" }),
        keysTable(map),
        h("p", { class: "muted", text: "Ctrl+wheel zooms the timeline; Shift+wheel scrolls it. Cmd works as Ctrl on macOS." }),
        taken.length ? h("div", { testid: "keys-taken" }, h("h3", { text: "Label hotkeys not bound" }), h("ul", {}, ...taken)) : null,
        h("button", { testid: "keys-close", text: "Close (Esc)", onclick: () => this.hide() }),
      ),
    );
    this.el.addEventListener("pointerdown", (e) => {
      if (e.target === this.el) this.hide();
    });
  }

  get open(): boolean {
    return !this.el.classList.contains("hidden");
  }

  toggle(): void {
    this.el.classList.toggle("hidden");
  }

  hide(): void {
    this.el.classList.add("hidden");
  }
}
