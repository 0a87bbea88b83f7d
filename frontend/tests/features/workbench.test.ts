import { describe, expect, it } from "vitest";
import { Workbench } from "../../src/features/annotate/workbench";
import { Clock } from "../../src/timeline/clock";
import { RegionStore } from "../../src/timeline/commands";
import type { Schema } from "../../src/timeline/types";
import { Viewport } from "../../src/timeline/viewport";

const schema: Schema = { tracks: [{ name: "speech", kind: "segment", labels: [{ value: "speech" }, { value: "music" }] }] };

function bench(): Workbench {
  const store = new RegionStore({ regions: [{ id: "a", track: "speech", label: "speech", start_ms: 0, end_ms: 500 }] });
  return new Workbench(new Clock(10_000), new Viewport(10_000), store, schema);
}

describe("label then draw: who a label pick relabels", () => {
  it("not a region selected because it was just created", () => {
    const wb = bench();
    wb.select({ layer: wb.ownLayer("speech"), id: "a" });
    expect(wb.relabelTarget("speech", "music")).toBeUndefined();
  });

  it("a region the annotator clicked, when the label differs and the track matches", () => {
    const wb = bench();
    wb.select({ layer: wb.ownLayer("speech"), id: "a" }, "click");
    expect(wb.relabelTarget("speech", "music")?.id).toBe("a");
    expect(wb.relabelTarget("speech", "speech")).toBeUndefined();
    expect(wb.relabelTarget("events", "music")).toBeUndefined();
    wb.select(null);
    expect(wb.selectedBy).toBe("auto");
    expect(wb.relabelTarget("speech", "music")).toBeUndefined();
  });

  it("nothing once the annotation is read-only", () => {
    const wb = bench();
    wb.select({ layer: wb.ownLayer("speech"), id: "a" }, "click");
    const reasons: string[] = [];
    wb.events.on("readonly", (e) => reasons.push(e.reason));
    wb.setReadOnly("submitted");
    expect(wb.ownLayer("speech").editable).toBe(false);
    expect(wb.relabelTarget("speech", "music")).toBeUndefined();
    expect(reasons).toEqual(["submitted"]);
    expect(wb.store.readOnly).toBe(true);
  });

  it("typed events unsubscribe", () => {
    const wb = bench();
    const seen: string[] = [];
    const off = wb.events.on("pick-label", (e) => seen.push(e.value));
    wb.events.emit("pick-label", { track: "speech", value: "music" });
    off();
    wb.events.emit("pick-label", { track: "speech", value: "speech" });
    expect(seen).toEqual(["music"]);
  });
});
