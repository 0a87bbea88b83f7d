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
  | `label:${string}:${string}`;

export const DEFAULT_BINDINGS: Readonly<Record<string, Action>> = {
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

/** Editor bindings plus the schema's label hotkeys. */
export function buildKeyMap(schema: Schema, base: Readonly<Record<string, Action>> = DEFAULT_BINDINGS): KeyMap {
  const bindings = new Map<string, Action>();
  for (const [k, a] of Object.entries(base)) bindings.set(normalizeCombo(k), a);
  const conflicts: KeyMap["conflicts"] = [];
  for (const t of schema.tracks) {
    for (const l of t.labels ?? []) {
      if (!l.hotkey) continue;
      const combo = normalizeCombo(l.hotkey);
      const taken = bindings.get(combo);
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
