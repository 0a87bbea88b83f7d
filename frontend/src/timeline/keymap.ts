import type { Schema } from "./types";

/** Editor actions reachable from the keyboard; label hotkeys map to `label:<track>:<value>`. */
export type Action =
  | "play-toggle"
  | "frame-prev"
  | "frame-next"
  | "second-prev"
  | "second-next"
  | "mark-in"
  | "mark-out"
  | "add-point"
  | "undo"
  | "redo"
  | "loop"
  | "relation"
  | "delete"
  | "escape"
  | "accept"
  | "reject"
  | "zoom-in"
  | "zoom-out"
  | "save"
  | "help"
  | "follow-toggle"
  | "rate-down"
  | "rate-up"
  | "relations-toggle"
  | "word-edit"
  | "word-split"
  | "word-merge"
  | `label:${string}:${string}`;

const DEFAULT_BINDINGS: Readonly<Record<string, Action>> = {
  space: "play-toggle",
  left: "frame-prev",
  right: "frame-next",
  "shift+left": "second-prev",
  "shift+right": "second-next",
  "[": "mark-in",
  "]": "mark-out",
  ".": "add-point",
  "ctrl+z": "undo",
  "ctrl+shift+z": "redo",
  "ctrl+y": "redo",
  l: "loop",
  r: "relation",
  delete: "delete",
  backspace: "delete",
  escape: "escape",
  a: "accept",
  x: "reject",
  "=": "zoom-in",
  "+": "zoom-in",
  "-": "zoom-out",
  "ctrl+s": "save",
  "?": "help",
  "shift+f": "follow-toggle",
  "<": "rate-down",
  ">": "rate-up",
  "shift+r": "relations-toggle",
  f2: "word-edit",
  "/": "word-split",
  "shift+j": "word-merge",
};

type EditorAction = Exclude<Action, `label:${string}:${string}`>;

/** What each editor action does, in the words of the key overlay and the legend. */
const ACTION_HELP: Readonly<Record<EditorAction, string>> = {
  "play-toggle": "play / pause",
  "frame-prev": "previous frame",
  "frame-next": "next frame",
  "second-prev": "back 1 s",
  "second-next": "forward 1 s",
  "mark-in": "mark in (start of a segment)",
  "mark-out": "mark out: create the segment",
  "add-point": "point at the playhead",
  undo: "undo",
  redo: "redo",
  loop: "loop the selected region",
  relation: "link the selected region to the next one clicked",
  delete: "delete the selected region",
  escape: "cancel: clear the selection, the mark, a link, close this overlay",
  accept: "accept the selected suggestion",
  reject: "reject the selected suggestion",
  "zoom-in": "zoom in",
  "zoom-out": "zoom out",
  save: "save now",
  help: "show / hide the keyboard overlay",
  "follow-toggle": "playhead follow: scroll / page",
  "rate-down": "slower playback",
  "rate-up": "faster playback",
  "relations-toggle": "show / hide the relation arcs",
  "word-edit": "edit the selected word in place (or double-click it)",
  "word-split": "split the selected word at the playhead",
  "word-merge": "merge the selected word with the next",
};

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  shiftKey?: boolean;
}

const NAMED: Record<string, string> = {
  " ": "space",
  spacebar: "space",
  arrowleft: "left",
  arrowright: "right",
  arrowup: "up",
  arrowdown: "down",
  esc: "escape",
  del: "delete",
};

/**
 * The canonical combo string of a key event: modifiers in the order ctrl, alt, shift, then the key.
 * Cmd counts as Ctrl (macOS). Shift is dropped for symbols, whose key already reflects it
 * (`}` rather than `shift+]`), and kept for letters and named keys.
 */
export function comboOf(e: KeyLike): string {
  let key = e.key.toLowerCase();
  key = NAMED[key] ?? key;
  const symbol = key.length === 1 && !/[a-z0-9]/.test(key);
  const parts: string[] = [];
  if (e.ctrlKey || e.metaKey) parts.push("ctrl");
  if (e.altKey) parts.push("alt");
  if (e.shiftKey && !symbol) parts.push("shift");
  parts.push(key);
  return parts.join("+");
}

/** Canonicalise a written combo ("Ctrl+Shift+Z", "Space") to comboOf's form. */
export function normalizeCombo(combo: string): string {
  const parts = combo.split("+").map((p) => p.trim().toLowerCase());
  const key = parts.pop() ?? "";
  const mods = new Set(parts.map((p) => (p === "cmd" || p === "meta" ? "ctrl" : p)));
  return comboOf({
    key: key === "" ? "+" : key,
    ctrlKey: mods.has("ctrl"),
    altKey: mods.has("alt"),
    shiftKey: mods.has("shift"),
  });
}

export interface KeyMap {
  bindings: Map<string, Action>;
  /** Schema hotkeys that an editor key already uses (the editor key wins). */
  conflicts: { hotkey: string; track: string; label: string; takenBy: Action }[];
}

/**
 * Editor bindings plus the schema's label hotkeys.
 *
 * A relation track's label hotkey starts a link with that label, which is what the editor's own
 * link key does too; so when the two share a key the label takes it (the link starts either way)
 * and nothing is lost. Any other shared key stays the editor's and is listed in `conflicts`.
 */
export function buildKeyMap(schema: Schema, base: Readonly<Record<string, Action>> = DEFAULT_BINDINGS): KeyMap {
  const bindings = new Map<string, Action>();
  for (const [k, a] of Object.entries(base)) bindings.set(normalizeCombo(k), a);
  const conflicts: KeyMap["conflicts"] = [];
  for (const t of schema.tracks) {
    for (const l of t.labels ?? []) {
      if (!l.hotkey) continue;
      const combo = normalizeCombo(l.hotkey);
      const taken = bindings.get(combo);
      if (taken === "relation" && t.kind === "relation") {
        bindings.set(combo, `label:${t.name}:${l.value}`);
        continue;
      }
      if (taken) {
        conflicts.push({ hotkey: l.hotkey, track: t.name, label: l.value, takenBy: taken });
        continue;
      }
      bindings.set(combo, `label:${t.name}:${l.value}`);
    }
  }
  return { bindings, conflicts };
}

/** The action bound to a key event, or null. */
export function actionFor(map: KeyMap, e: KeyLike): Action | null {
  return map.bindings.get(comboOf(e)) ?? null;
}

/** Parse a `label:<track>:<value>` action (track names contain no colon; values may). */
export function parseLabelAction(a: Action): { track: string; value: string } | null {
  if (!a.startsWith("label:")) return null;
  const rest = a.slice(6);
  const i = rest.indexOf(":");
  return { track: rest.slice(0, i), value: rest.slice(i + 1) };
}

/** The written form of a combo for people: "ctrl+shift+z" → "Ctrl+Shift+Z". */
export function displayCombo(combo: string): string {
  const NAMES: Record<string, string> = { ctrl: "Ctrl", alt: "Alt", shift: "Shift", space: "Space", left: "←", right: "→", up: "↑", down: "↓", escape: "Esc", delete: "Del", backspace: "Backspace" };
  if (combo === "+") return "+";
  const parts = combo.split("+");
  const modified = parts.length > 1;
  return parts.map((p) => NAMES[p] ?? (p.length === 1 && !modified ? p : p[0].toUpperCase() + p.slice(1))).join("+");
}

export interface KeyHelpRow {
  keys: string[];
  action: Action;
  description: string;
}

/**
 * Every binding of a key map, one row per action (its keys together), in the order of the map:
 * the overlay and the legend are built from this, so they cannot drift from what the keys do.
 */
export function keyHelp(map: KeyMap): KeyHelpRow[] {
  const rows = new Map<Action, KeyHelpRow>();
  for (const [combo, action] of map.bindings) {
    let row = rows.get(action);
    if (!row) {
      const label = parseLabelAction(action);
      const description = label ? `label ${label.value} (${label.track})` : ACTION_HELP[action as EditorAction];
      row = { keys: [], action, description };
      rows.set(action, row);
    }
    row.keys.push(displayCombo(combo));
  }
  return [...rows.values()];
}
