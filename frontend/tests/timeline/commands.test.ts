import { describe, expect, it } from "vitest";
import { RegionStore } from "../../src/timeline/commands";

describe("RegionStore undo/redo", () => {
  it("undoes and redoes an add, an edit and a delete in order", () => {
    const s = new RegionStore({ regions: [] });
    s.add({ id: "a", track: "t", label: "x", start_ms: 0, end_ms: 100 });
    s.update("a", { end_ms: 250 });
    s.remove("a");
    expect(s.all()).toEqual([]);
    expect(s.undo()).toBe(true);
    expect(s.get("a")?.end_ms).toBe(250);
    expect(s.undo()).toBe(true);
    expect(s.get("a")?.end_ms).toBe(100);
    expect(s.undo()).toBe(true);
    expect(s.get("a")).toBeUndefined();
    expect(s.undo()).toBe(false);
    expect(s.redo()).toBe(true);
    expect(s.redo()).toBe(true);
    expect(s.get("a")?.end_ms).toBe(250);
  });

  it("drops the redo branch when a new edit is made after undo", () => {
    const s = new RegionStore({ regions: [{ id: "a", track: "t", label: "x", time_ms: 5 }] });
    s.update("a", { time_ms: 10 });
    s.undo();
    s.update("a", { time_ms: 20 });
    expect(s.canRedo()).toBe(false);
    expect(s.get("a")?.time_ms).toBe(20);
  });

  it("removes relations with the region they point at, and restores both on undo", () => {
    const s = new RegionStore({
      regions: [
        { id: "a", track: "t", label: "x", time_ms: 5 },
        { id: "b", track: "t", label: "x", time_ms: 9 },
        { id: "l", track: "links", label: "refers_to", from_id: "a", to_id: "b" },
      ],
    });
    s.remove("b");
    expect(s.all().map((r) => r.id)).toEqual(["a"]);
    s.undo();
    expect(s.all().map((r) => r.id).sort()).toEqual(["a", "b", "l"]);
  });

  it("undoes a batch as one step", () => {
    const s = new RegionStore({ regions: [] });
    s.apply({
      label: "accept all",
      changes: [
        { id: "p", before: null, after: { id: "p", track: "t", label: "x", time_ms: 1 } },
        { id: "q", before: null, after: { id: "q", track: "t", label: "x", time_ms: 2 } },
      ],
    });
    expect(s.all()).toHaveLength(2);
    s.undo();
    expect(s.all()).toHaveLength(0);
  });

  it("returns copies so outside edits cannot change the store", () => {
    const s = new RegionStore({ regions: [{ id: "a", track: "t", label: "x", start_ms: 0, end_ms: 1, attributes: { k: "v" } }] });
    const r = s.result();
    r.regions[0].attributes!.k = "changed";
    expect(s.get("a")?.attributes?.k).toBe("v");
  });

  it("refuses a duplicate id and counts revisions", () => {
    const s = new RegionStore({ regions: [{ id: "a", track: "t", time_ms: 0 }] });
    const rev = s.revision;
    expect(() => s.add({ id: "a", track: "t", time_ms: 1 })).toThrow("store.add(): region id a is already used");
    s.add({ id: s.newId(), track: "t", time_ms: 1 });
    expect(s.revision).toBe(rev + 1);
  });

  it("read-only: edits, undo and redo change nothing and emit nothing", () => {
    const s = new RegionStore({ regions: [{ id: "a", track: "t", label: "x", start_ms: 0, end_ms: 10 }] });
    s.update("a", { label: "y" }, "relabel");
    s.readOnly = true;
    const seen: string[] = [];
    s.on("change", (e) => seen.push(e.label));
    s.add({ id: "b", track: "t", time_ms: 1 });
    s.update("a", { label: "z" });
    s.remove("a");
    expect(s.undo()).toBe(false);
    expect(s.redo()).toBe(false);
    expect(s.result()).toEqual({ regions: [{ id: "a", track: "t", label: "y", start_ms: 0, end_ms: 10 }] });
    expect(seen).toEqual([]);
  });
});

describe("a transcript segment's timed words follow its times", () => {
  const words = [
    { text: "hello", start_ms: 1000, end_ms: 1400 },
    { text: "big", start_ms: 1400, end_ms: 1700 },
    { text: "world", start_ms: 1700, end_ms: 2000 },
  ];
  const segment = { id: "t1", track: "words", start_ms: 1000, end_ms: 2000, text: "hello big world", words };

  it("a move carries the words along unchanged, one undo step", () => {
    const store = new RegionStore({ regions: [segment] });
    store.update("t1", { start_ms: 1500, end_ms: 2500 }, "move");
    expect(store.get("t1")?.words).toEqual([
      { text: "hello", start_ms: 1500, end_ms: 1900 },
      { text: "big", start_ms: 1900, end_ms: 2200 },
      { text: "world", start_ms: 2200, end_ms: 2500 },
    ]);
    store.undo();
    expect(store.get("t1")?.words).toEqual(words);
  });

  it("a resize clamps them inside, and spreads them when a word would vanish", () => {
    const store = new RegionStore({ regions: [segment] });
    store.update("t1", { end_ms: 1800 }, "resize");
    expect(store.get("t1")?.words).toEqual([
      { text: "hello", start_ms: 1000, end_ms: 1400 },
      { text: "big", start_ms: 1400, end_ms: 1700 },
      { text: "world", start_ms: 1700, end_ms: 1800 },
    ]);
    store.update("t1", { end_ms: 1600 }, "resize");
    // "world" would be empty: 13 characters over 600 ms, in proportion
    expect(store.get("t1")?.words).toEqual([
      { text: "hello", start_ms: 1000, end_ms: 1231 },
      { text: "big", start_ms: 1231, end_ms: 1369 },
      { text: "world", start_ms: 1369, end_ms: 1600 },
    ]);
  });
});
