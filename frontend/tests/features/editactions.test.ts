import { describe, expect, it } from "vitest";
import { EditActions } from "../../src/features/annotate/editactions";
import { Workbench } from "../../src/features/annotate/workbench";
import { Clock } from "../../src/timeline/clock";
import { RegionStore } from "../../src/timeline/commands";
import type { Schema } from "../../src/timeline/types";
import { Viewport } from "../../src/timeline/viewport";

const schema: Schema = {
  tracks: [
    { name: "speech", kind: "segment", overlap: "none", labels: [{ value: "speech" }, { value: "music" }] },
    { name: "events", kind: "point", labels: [{ value: "clap" }] },
  ],
};

function setup(): { wb: Workbench; edits: EditActions; store: RegionStore; said: string[] } {
  const store = new RegionStore({ regions: [{ id: "a", track: "speech", label: "speech", start_ms: 0, end_ms: 500 }] });
  const wb = new Workbench(new Clock(10_000), new Viewport(10_000), store, schema);
  const said: string[] = [];
  wb.events.on("status", (e) => said.push(e.message));
  return { wb, edits: new EditActions(wb, schema, () => []), store, said };
}

describe("the editor's edits, each one store command", () => {
  it("creates a segment with the active label and selects it; one undo removes it", () => {
    const { wb, edits, store, said } = setup();
    const r = edits.createSegment("speech", 1000, 2000);
    expect(r && [r.track, r.label, r.start_ms, r.end_ms]).toEqual(["speech", "speech", 1000, 2000]);
    expect(wb.selection?.id).toBe(r?.id);
    expect(said[said.length - 1]).toBe("Created speech 00:01.000–00:02.000");
    expect(store.undo()).toBe(true);
    expect(store.all().map((x) => x.id)).toEqual(["a"]);
  });

  it("refuses a segment that breaks the track's overlap rule, and says so", () => {
    const { edits, store, said } = setup();
    expect(edits.createSegment("speech", 400, 900)).toBeNull();
    expect(said[said.length - 1]).toBe("Not created: overlaps a on speech");
    expect(store.canUndo()).toBe(false);
  });

  it("marks out from the mark in, in either order", () => {
    const { wb, edits, store } = setup();
    wb.clock.seek(3000);
    wb.markIn = 3000;
    wb.clock.seek(2000);
    edits.markOut();
    const made = store.byTrack("speech").find((r) => r.id !== "a");
    expect([made?.start_ms, made?.end_ms]).toEqual([2000, 3000]);
    expect(wb.markIn).toBeNull();
  });

  it("adds a point at the playhead on the first point track", () => {
    const { wb, edits, store } = setup();
    wb.clock.seek(4200);
    edits.addPoint();
    expect(store.byTrack("events").map((r) => [r.label, r.time_ms])).toEqual([["clap", 4200]]);
  });

  it("relabels only a region the annotator clicked, as one undo step", () => {
    const { wb, edits, store, said } = setup();
    wb.select({ layer: wb.ownLayer("speech"), id: "a" }, "click");
    edits.labelAction("speech", "music");
    expect(store.get("a")?.label).toBe("music");
    expect(said[said.length - 1]).toBe("Relabeled speech → music (Ctrl+Z undoes)");
    store.undo();
    expect(store.get("a")?.label).toBe("speech");
  });
});
