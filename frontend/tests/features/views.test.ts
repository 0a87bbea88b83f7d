import { describe, expect, it } from "vitest";
import { spread } from "../../src/timeline/words";
import { rulerStep } from "../../src/timeline/ruler";
import { copyRegions } from "../../src/features/review/copy";
import { Suggestions } from "../../src/features/annotate/suggestions";
import { RegionStore } from "../../src/timeline/commands";
import { readBoot } from "../../src/boot";

describe("transcript word timings", () => {
  it("spreads words over the segment by their characters", () => {
    expect(spread(["Alice", "met", "Bob"], 1200, 3000)).toEqual([
      // 11 characters over 1800 ms: 5 / 11, 8 / 11 of the way
      { text: "Alice", start_ms: 1200, end_ms: 2018 },
      { text: "met", start_ms: 2018, end_ms: 2509 },
      { text: "Bob", start_ms: 2509, end_ms: 3000 },
    ]);
    expect(spread([], 0, 100)).toEqual([]);
  });
});

describe("ruler", () => {
  it("picks the smallest nice step at least 80 px wide", () => {
    expect(rulerStep(1)).toBe(100);
    expect(rulerStep(50)).toBe(5000);
    expect(rulerStep(0.25)).toBe(20);
  });
});

describe("copy into gold", () => {
  it("gives copies fresh ids and remaps relations copied with their ends", () => {
    let n = 0;
    const out = copyRegions((id) => id === "g1", () => `n${++n}`, [
      { id: "a", track: "s", label: "x", start_ms: 0, end_ms: 5, score: 0.5 },
      { id: "l", track: "links", label: "refers_to", from_id: "a", to_id: "g1" },
      { id: "dangling", track: "links", label: "refers_to", from_id: "a", to_id: "zz" },
    ]);
    expect(out).toEqual([
      { id: "n1", track: "s", label: "x", start_ms: 0, end_ms: 5 },
      { id: "n2", track: "links", label: "refers_to", from_id: "n1", to_id: "g1" },
    ]);
  });
});

describe("suggestions", () => {
  const preds = [{ id: 9, model: "vad", model_version: "1.2", score: 0.8, result: { regions: [
    { id: "s1", track: "speech", label: "speech", start_ms: 0, end_ms: 10, score: 0.9 },
    { id: "s2", track: "events", label: "clap", time_ms: 5 },
    { id: "s3", track: "links", label: "refers_to", from_id: "s2", to_id: "s1" },
  ] } }];

  it("accepts all as one undo step with the model as source and relation ends remapped", () => {
    const store = new RegionStore({ regions: [] });
    const sug = new Suggestions(preds);
    expect(sug.count).toBe(3);
    const ids = sug.accept(store, sug.all().map((r) => r.id));
    expect(ids).toHaveLength(3);
    const regions = store.all();
    expect(regions.every((r) => r.source?.model === "vad" && r.source.version === "1.2" && r.score === undefined)).toBe(true);
    const link = regions.find((r) => r.track === "links");
    expect(link?.from_id).toBe(regions.find((r) => r.track === "events")?.id);
    expect(link?.to_id).toBe(regions.find((r) => r.track === "speech")?.id);
    expect(sug.count).toBe(0);
    store.undo();
    expect(store.all()).toEqual([]);
  });

  it("names as sources only the pre-labelers that suggested something for this task", () => {
    const failed = { id: 10, model: "align", model_version: "ps-5", score: null, result: { regions: [] } };
    const empty = { id: 11, model: "shots", model_version: "1", score: null, result: { regions: [] } };
    expect(new Suggestions([...preds, failed, empty]).sources).toEqual(["vad 1.2"]);
    expect(new Suggestions([failed, empty]).sources).toEqual([]);
  });

  it("rejects without touching the annotation and skips a relation whose ends are missing", () => {
    const store = new RegionStore({ regions: [] });
    const sug = new Suggestions(preds);
    sug.reject(["p9-s1"]);
    expect(sug.accept(store, ["p9-s3"])).toEqual([]);
    expect(store.all()).toEqual([]);
    expect(sug.count).toBe(2);
  });
});

describe("boot object", () => {
  it("fills defaults and rejects a missing object", () => {
    expect(readBoot({ mode: "review", reviewItemId: 4, csrfToken: "t" })).toEqual({
      mode: "review", taskId: null, reviewItemId: 4, projectId: null, apiBase: "/api", csrfToken: "t", user: { id: -1, username: "", role: "" },
    });
    expect(() => readBoot(undefined)).toThrow("window.TANDEM is missing: the page must define it before loading editor.js");
  });
});
