import { h } from "../../dom";

/**
 * A modal question with a confirm and a cancel button; with `note`, a text area that must not be
 * empty. Resolves to the note (or "" without one) on confirm, null on cancel or Esc.
 */
export function ask(root: HTMLElement, o: { testid: string; title: string; body: string; confirm: string; note?: string }): Promise<string | null> {
  return new Promise((resolve) => {
    const area = o.note !== undefined ? h("textarea", { testid: `${o.testid}-note`, rows: 4, placeholder: o.note, "aria-label": o.note }) : null;
    const error = h("p", { class: "error", testid: `${o.testid}-error` });
    const done = (value: string | null): void => {
      overlay.remove();
      document.removeEventListener("keydown", onKey, true);
      resolve(value);
    };
    const ok = h("button", {
      class: "primary", testid: `${o.testid}-yes`, text: o.confirm,
      onclick: () => {
        const note = area ? area.value.trim() : "";
        if (area && !note) {
          error.textContent = "Write a note for the annotators first.";
          area.focus();
          return;
        }
        done(note);
      },
    });
    const cancel = h("button", { testid: `${o.testid}-no`, text: "Cancel", onclick: () => done(null) });
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === "Escape") {
        e.stopPropagation();
        done(null);
      }
    };
    const overlay = h("div", { class: "keys-overlay rv-dialog", testid: o.testid, role: "dialog", "aria-label": o.title },
      h("div", { class: "keys-card" }, h("h2", { text: o.title }), h("p", { text: o.body }), area, error, h("div", { class: "rv-dialog-buttons" }, ok, cancel)));
    document.addEventListener("keydown", onKey, true);
    root.append(overlay);
    (area ?? ok).focus();
  });
}
