import { describe, expect, it } from "vitest";
import { actionFor, buildKeyMap, comboOf, normalizeCombo, parseLabelAction } from "../../src/timeline/keymap";
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
