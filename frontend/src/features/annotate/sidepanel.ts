import { clear, formatMs, h } from "../../dom";
import { labelColor } from "../../timeline/colors";
import type { KeyMap } from "../../timeline/keymap";
import type { AttributeValue, Region } from "../../timeline/types";
import { retext } from "../../timeline/words";
import { describeRegion } from "./describe";
import { keysTable } from "./keysoverlay";
import type { Workbench } from "./workbench";

export interface SidePanelHooks {
  /** Extra buttons for the selected region (review: copy to gold; annotate: accept/reject a suggestion). */
  selectionActions(region: Region, editable: boolean): HTMLElement[];
  /** Extra sections (suggestions, versions). */
  sections(): HTMLElement[];
}

/** Label palette, the selected region's fields and attributes, relations, extra sections. */
export class SidePanel {
  readonly el: HTMLElement;
  private palette: HTMLElement;
  private details: HTMLElement;
  private extra: HTMLElement;

  constructor(
    private wb: Workbench,
    private hooks: SidePanelHooks,
    private keymap: KeyMap,
  ) {
    this.palette = h("div", { class: "sp-section", testid: "label-palette" });
    this.details = h("div", { class: "sp-section", testid: "region-panel" });
    this.extra = h("div", { class: "sp-extra" });
    this.el = h("aside", { class: "sidepanel", testid: "side-panel" }, this.palette, this.details, this.extra, this.keysHelp());
    wb.events.on("select", () => this.renderDetails());
    wb.events.on("active", () => this.renderPalette());
    wb.store.on("change", () => this.renderDetails());
    this.render();
  }

  render(): void {
    this.renderPalette();
    this.renderDetails();
    this.renderExtra();
  }

  renderExtra(): void {
    clear(this.extra);
    this.extra.append(...this.hooks.sections());
  }

  private renderPalette(): void {
    clear(this.palette);
    this.palette.append(h("h3", { text: "Labels" }));
    const seen = new Set<string>();
    for (const track of this.wb.schema.tracks) {
      const labels = track.labels ?? [];
      if (!labels.length) continue;
      const group = h("div", { class: "sp-track" }, h("div", { class: "sp-track-name", text: `${track.name} · ${track.kind}${track.kind === "redact" ? ` (${this.wb.kindOf(track)})` : ""}` }));
      for (const l of labels) {
        const active = this.wb.active?.track === track.name && this.wb.active.label === l.value;
        const testid = seen.has(l.value) ? `label-${track.name}-${l.value}` : `label-${l.value}`;
        seen.add(l.value);
        group.append(
          h(
            "button",
            {
              class: `label-btn${active ? " active" : ""}`,
              testid,
              "data-track": track.name,
              title: l.hotkey ? `hotkey ${l.hotkey}` : "",
              onclick: () => this.wb.events.emit("pick-label", { track: track.name, value: l.value }),
            },
            h("span", { class: "swatch", style: `background:${labelColor(track, l.value)}` }),
            l.value,
            l.hotkey ? h("kbd", { text: l.hotkey }) : null,
          ),
        );
      }
      this.palette.append(group);
    }
  }

  private renderDetails(): void {
    clear(this.details);
    this.details.append(h("h3", { text: "Selection" }));
    const sel = this.wb.selection;
    const region = this.wb.regionOf(sel);
    if (!sel || !region) {
      this.details.append(h("p", { class: "muted", text: "Click a region, or drag in a lane to create one." }));
      return;
    }
    const track = this.wb.track(region.track);
    const editable = sel.layer.editable;
    const store = this.wb.store;
    const row = (label: string, field: HTMLElement): HTMLElement => h("label", { class: "sp-field" }, h("span", { text: label }), field);
    this.details.append(h("div", { class: "sp-meta", text: `${region.track} · ${track?.kind ?? "?"} · ${region.id}` }));
    if (region.source) this.details.append(h("div", { class: "sp-meta", text: `from ${region.source.model} ${region.source.version}` }));
    if (typeof region.score === "number") this.details.append(h("div", { class: "sp-meta", text: `score ${region.score.toFixed(3)}` }));
    if (track?.labels?.length) {
      const select = h("select", { testid: "region-label", disabled: !editable });
      for (const l of track.labels) {
        const o = h("option", { value: l.value, text: l.value });
        if (l.value === region.label) o.selected = true;
        select.append(o);
      }
      select.addEventListener("change", () => store.update(region.id, { label: select.value }, "relabel"));
      this.details.append(row("label", select));
    }
    const num = (name: "start_ms" | "end_ms" | "time_ms"): void => {
      if (typeof region[name] !== "number") return;
      const input = h("input", { type: "number", step: "1", value: String(region[name]), testid: `region-${name}`, disabled: !editable });
      input.addEventListener("change", () => {
        const v = Math.round(Number(input.value));
        if (Number.isFinite(v)) store.update(region.id, { [name]: v }, "retime");
      });
      this.details.append(row(`${name} (${formatMs(region[name] as number)})`, input));
    };
    num("start_ms");
    num("end_ms");
    num("time_ms");
    const drawn = track ? this.wb.kindOf(track) : undefined;
    if (drawn === "transcript" || drawn === "span") {
      const ta = h("textarea", { rows: 3, testid: "region-text", disabled: !editable || drawn === "span" });
      ta.value = region.text ?? "";
      // transcript words keep their times when the typed text has as many words
      ta.addEventListener("change", () => store.update(region.id, drawn === "transcript" ? retext(region, ta.value) : { text: ta.value }, "edit text"));
      this.details.append(row("text", ta));
    }
    for (const spec of track?.attributes ?? []) {
      const cur = region.attributes?.[spec.name];
      let input: HTMLInputElement | HTMLSelectElement;
      if (spec.type === "choice") {
        input = h("select", { testid: `attr-${spec.name}`, disabled: !editable });
        input.append(h("option", { value: "", text: "—" }));
        for (const c of spec.choices ?? []) {
          const o = h("option", { value: c, text: c });
          if (c === cur) o.selected = true;
          input.append(o);
        }
      } else if (spec.type === "bool") {
        input = h("input", { type: "checkbox", testid: `attr-${spec.name}`, disabled: !editable });
        input.checked = cur === true;
      } else {
        input = h("input", { type: spec.type === "number" ? "number" : "text", testid: `attr-${spec.name}`, disabled: !editable });
        input.value = cur === undefined || cur === null ? "" : String(cur);
      }
      const el = input;
      el.addEventListener("change", () => {
        let v: AttributeValue;
        if (spec.type === "bool") v = (el as HTMLInputElement).checked;
        else if (spec.type === "number") v = el.value === "" ? null : Number(el.value);
        else v = el.value === "" ? null : el.value;
        const attributes = { ...(region.attributes ?? {}) };
        if (v === null) delete attributes[spec.name];
        else attributes[spec.name] = v;
        store.update(region.id, { attributes }, "attribute");
      });
      this.details.append(row(spec.name, el));
    }
    if (track?.kind === "relation") {
      this.details.append(
        h("div", { class: "sp-field" }, h("span", { text: "from" }), h("span", { testid: "relation-from", text: describeRegion(store.get(region.from_id ?? "")) })),
        h("div", { class: "sp-field" }, h("span", { text: "to" }), h("span", { testid: "relation-to", text: describeRegion(store.get(region.to_id ?? "")) })),
      );
    }
    const links = store.all().filter((r) => r.from_id === region.id || r.to_id === region.id);
    if (links.length) {
      const list = h("ul", { class: "sp-links" });
      for (const l of links) {
        const other = l.from_id === region.id ? l.to_id : l.from_id;
        list.append(
          h("li", { testid: `relation-${l.id}` }, `${l.label ?? "link"} ${l.from_id === region.id ? "→" : "←"} ${describeRegion(store.get(other ?? ""))}`,
            editable ? h("button", { class: "mini", text: "×", title: "Delete relation", onclick: () => store.remove(l.id) }) : null),
        );
      }
      this.details.append(h("div", { class: "sp-field" }, h("span", { text: "relations" }), list));
    }
    const actions = h("div", { class: "sp-actions" });
    if (editable) {
      actions.append(
        h("button", { testid: "relation-start", text: "Link (r)", onclick: () => this.wb.events.emit("action", { action: "relation" }) }),
        h("button", { testid: "delete-region", class: "danger", text: "Delete", onclick: () => store.remove(region.id) }),
      );
    }
    actions.append(...this.hooks.selectionActions(region, editable));
    this.details.append(actions);
  }

  /** The legend, open, built from the key map like the `?` overlay (so it lists =, -, Esc and the rest). */
  private keysHelp(): HTMLElement {
    return h(
      "details",
      { class: "sp-section sp-keys", testid: "keys-legend", open: true },
      h("summary", { text: "Keyboard (? for all)" }),
      keysTable(this.keymap),
      h("p", { class: "muted", text: "Ctrl+wheel zooms the timeline" }),
    );
  }
}
