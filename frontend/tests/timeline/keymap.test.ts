import { describe, expect, it } from "vitest";
import { actionFor, buildKeyMap, comboOf, displayCombo, keyHelp, normalizeCombo, parseLabelAction } from "../../src/timeline/keymap";
import type { Schema } from "../../src/timeline/types";

const schema: Schema = {
  tracks: [
    { name: "speech", kind: "segment", labels: [{ value: "speech", hotkey: "1" }, { value: "music", hotkey: "2" }] },
    { name: "events", kind: "point", labels: [{ value: "clap", hotkey: "c" }, { value: "loud", hotkey: "l" }] },
  ],
};

describe("keyboard map", () => {
  it("canonicalises key events", () => {
    expect(comboOf({ key: " " })).toBe("space");
    expect(comboOf({ key: "ArrowLeft", shiftKey: true })).toBe("shift+left");
    expect(comboOf({ key: "Z", ctrlKey: true, shiftKey: true })).toBe("ctrl+shift+z");
    expect(comboOf({ key: "z", metaKey: true })).toBe("ctrl+z");
    expect(comboOf({ key: "}", shiftKey: true })).toBe("}");
    expect(normalizeCombo("Ctrl+Shift+Z")).toBe("ctrl+shift+z");
    expect(normalizeCombo("Space")).toBe("space");
  });

  it("maps the transport and editing keys", () => {
    const m = buildKeyMap(schema);
    expect(actionFor(m, { key: " " })).toBe("play-toggle");
    expect(actionFor(m, { key: "ArrowRight" })).toBe("frame-next");
    expect(actionFor(m, { key: "ArrowLeft", shiftKey: true })).toBe("second-prev");
    expect(actionFor(m, { key: "[" })).toBe("mark-in");
    expect(actionFor(m, { key: "]" })).toBe("mark-out");
    expect(actionFor(m, { key: "." })).toBe("add-point");
    expect(actionFor(m, { key: "z", ctrlKey: true })).toBe("undo");
    expect(actionFor(m, { key: "Z", ctrlKey: true, shiftKey: true })).toBe("redo");
    expect(actionFor(m, { key: "r" })).toBe("relation");
    expect(actionFor(m, { key: "q" })).toBeNull();
  });

  it("adds the schema's label hotkeys and reports those an editor key owns", () => {
    const m = buildKeyMap(schema);
    expect(actionFor(m, { key: "2" })).toBe("label:speech:music");
    expect(actionFor(m, { key: "c" })).toBe("label:events:clap");
    expect(actionFor(m, { key: "l" })).toBe("loop");
    expect(m.conflicts).toEqual([{ hotkey: "l", track: "events", label: "loud", takenBy: "loop" }]);
  });

  it("parses label actions whose values contain colons", () => {
    expect(parseLabelAction("label:speech:a:b")).toEqual({ track: "speech", value: "a:b" });
    expect(parseLabelAction("undo")).toBeNull();
  });
});

describe("keys for saving, help and follow; the generated overlay", () => {
  it("binds Ctrl/Cmd+S, ? and Shift+F", () => {
    const m = buildKeyMap(schema);
    expect(actionFor(m, { key: "s", ctrlKey: true })).toBe("save");
    expect(actionFor(m, { key: "s", metaKey: true })).toBe("save");
    expect(actionFor(m, { key: "?", shiftKey: true })).toBe("help");
    expect(actionFor(m, { key: "F", shiftKey: true })).toBe("follow-toggle");
    expect(actionFor(m, { key: "f" })).toBeNull();
  });

  it("lets a relation label's hotkey take the link key without a conflict", () => {
    const withLinks: Schema = { tracks: [{ name: "links", kind: "relation", labels: [{ value: "refers_to", hotkey: "r" }] }] };
    const m = buildKeyMap(withLinks);
    expect(m.conflicts).toEqual([]);
    expect(actionFor(m, { key: "r" })).toBe("label:links:refers_to");
  });

  it("still reports a label hotkey that an editor key of another meaning holds", () => {
    const clash: Schema = { tracks: [{ name: "speech", kind: "segment", labels: [{ value: "loud", hotkey: "r" }] }] };
    const m = buildKeyMap(clash);
    expect(m.conflicts).toEqual([{ hotkey: "r", track: "speech", label: "loud", takenBy: "relation" }]);
    expect(actionFor(m, { key: "r" })).toBe("relation");
  });

  it("lists every binding once, keys of one action together, labels included", () => {
    const m = buildKeyMap(schema);
    const rows = keyHelp(m);
    const byAction = new Map(rows.map((r) => [r.action, r]));
    expect(rows.reduce((n, r) => n + r.keys.length, 0)).toBe(m.bindings.size);
    expect(byAction.get("zoom-in")).toEqual({ action: "zoom-in", keys: ["=", "+"], description: "zoom in" });
    expect(byAction.get("zoom-out")?.keys).toEqual(["-"]);
    expect(byAction.get("escape")?.keys).toEqual(["Esc"]);
    expect(byAction.get("save")?.keys).toEqual(["Ctrl+S"]);
    expect(byAction.get("redo")?.keys).toEqual(["Ctrl+Shift+Z", "Ctrl+Y"]);
    expect(byAction.get("follow-toggle")?.keys).toEqual(["Shift+F"]);
    expect(byAction.get("label:speech:music")).toEqual({ action: "label:speech:music", keys: ["2"], description: "label music (speech)" });
    expect(rows.every((r) => r.description.length > 0)).toBe(true);
  });

  it("writes combos for people", () => {
    expect(displayCombo("space")).toBe("Space");
    expect(displayCombo("shift+left")).toBe("Shift+←");
    expect(displayCombo("+")).toBe("+");
    expect(displayCombo("[")).toBe("[");
  });
});

describe("playback, relation and word keys", () => {
  it("binds the rate, relation and word actions and lists each in the help", () => {
    const m = buildKeyMap(schema);
    expect(actionFor(m, { key: "<", shiftKey: true })).toBe("rate-down");
    expect(actionFor(m, { key: ">", shiftKey: true })).toBe("rate-up");
    expect(actionFor(m, { key: "R", shiftKey: true })).toBe("relations-toggle");
    expect(actionFor(m, { key: "F2" })).toBe("word-edit");
    expect(actionFor(m, { key: "/" })).toBe("word-split");
    expect(actionFor(m, { key: "J", shiftKey: true })).toBe("word-merge");
    expect(actionFor(m, { key: "l" })).toBe("loop");
    const help = new Map(keyHelp(m).map((r) => [r.action, r]));
    expect(help.get("rate-down")?.keys).toEqual(["<"]);
    expect(help.get("rate-up")?.description).toBe("faster playback");
    expect(help.get("relations-toggle")?.keys).toEqual(["Shift+R"]);
    expect(help.get("word-edit")?.keys).toEqual(["F2"]);
    expect(help.get("word-merge")?.keys).toEqual(["Shift+J"]);
    expect(help.get("loop")?.description).toBe("loop the selected region");
  });
});
