import { describe, expect, it, vi } from "vitest";

// peaks.js reads `navigator` when loaded; these tests exercise only the code around it
vi.mock("peaks.js", () => ({ default: { init: () => undefined } }));
import { Clock } from "../../src/timeline/clock";
import { clockPlayerAdapter, overviewBox } from "../../src/features/annotate/waveform";
import type { Workbench } from "../../src/features/annotate/workbench";

describe("waveform player adapter", () => {
  it("reports and seeks the one clock in the stream's seconds (timeline minus offset)", async () => {
    const clock = new Clock(10_000);
    const adapter = clockPlayerAdapter({ clock } as unknown as Workbench, 500);
    const seen: [string, unknown][] = [];
    await adapter.init({ emit: (name: string, v?: unknown) => seen.push([name, v]) } as never);
    expect(seen).toEqual([["player.canplay", undefined]]);
    clock.seek(2500);
    expect(seen.slice(1)).toEqual([["player.timeupdate", 2], ["player.seeked", 2]]);
    expect(adapter.getCurrentTime()).toBe(2);
    expect(adapter.getDuration()).toBe(10);
    adapter.seek(4.25);
    expect(clock.timeMs).toBe(4750);
    clock.seek(100); // before the stream starts: its time is 0, not negative
    expect(adapter.getCurrentTime()).toBe(0);
    adapter.destroy();
    clock.seek(3000);
    expect(seen.length).toBe(7); // nothing after destroy
  });
});

describe("waveform overview box", () => {
  it("spans the whole row for a stream as long as the item, and its share otherwise", () => {
    expect(overviewBox(0, 6000, 6000)).toEqual({ leftPct: 0, widthPct: 100 });
    expect(overviewBox(1500, 3000, 6000)).toEqual({ leftPct: 25, widthPct: 50 });
    expect(overviewBox(5000, 3000, 6000)).toEqual({ leftPct: 83.33333333333334, widthPct: 16.666666666666657 });
    expect(overviewBox(-1000, 9000, 6000)).toEqual({ leftPct: 0, widthPct: 100 });
  });
});
