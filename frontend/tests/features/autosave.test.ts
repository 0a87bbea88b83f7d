import { describe, expect, it } from "vitest";
import { ConflictError } from "../../src/api/client";
import type { Annotation } from "../../src/api/types";
import { Autosaver, type TimerLike } from "../../src/features/annotate/autosave";
import type { Result } from "../../src/timeline/types";

class ManualTimers implements TimerLike {
  fns = new Map<number, () => void>();
  n = 0;
  set(fn: () => void): unknown {
    this.fns.set(++this.n, fn);
    return this.n;
  }
  clear(h: unknown): void {
    this.fns.delete(h as number);
  }
  fire(): void {
    const fns = [...this.fns.values()];
    this.fns.clear();
    fns.forEach((f) => f());
  }
}

const ann = (version: number): Annotation => ({
  id: 1, task: 1, annotator: { id: 1, username: "a" }, kind: "human", status: "draft", version, result: { regions: [] }, updated_at: "",
});

describe("Autosaver", () => {
  it("debounces edits into one PUT with the acknowledged version", async () => {
    const saves: [Result, number][] = [];
    const timers = new ManualTimers();
    let n = 0;
    const s = new Autosaver(async (r, v) => {
      saves.push([r, v]);
      return ann(v + 1);
    }, 3, () => ({ regions: [{ id: `x${n}`, track: "t", time_ms: n }] }), 1000, timers);
    n = 1; s.touch();
    n = 2; s.touch();
    expect(timers.fns.size).toBe(1);
    timers.fire();
    await s.flush();
    expect(saves).toEqual([[{ regions: [{ id: "x2", track: "t", time_ms: 2 }] }, 3]]);
    expect(s.version).toBe(4);
    expect(s.state).toBe("saved");
  });

  it("stops on a 409 until the user chooses, then overwrites with the server's version", async () => {
    const versions: number[] = [];
    let conflictOnce = true;
    const s = new Autosaver(async (_r, v) => {
      versions.push(v);
      if (conflictOnce) {
        conflictOnce = false;
        throw new ConflictError("stale", 8, null, {});
      }
      return ann(v + 1);
    }, 5, () => ({ regions: [] }), 1000, new ManualTimers());
    const conflicts: number[] = [];
    s.on("conflict", (e) => conflicts.push(e.error.currentVersion));
    s.touch();
    await s.flush();
    expect(s.state).toBe("conflict");
    expect(conflicts).toEqual([8]);
    s.touch();
    await s.flush();
    expect(versions).toEqual([5]);
    await s.overwrite(8);
    expect(versions).toEqual([5, 8]);
    expect(s.version).toBe(9);
    expect(s.state).toBe("saved");
  });

  it("adopts the server's version when the user reloads theirs", async () => {
    const s = new Autosaver(async () => {
      throw new ConflictError("stale", 4, null, {});
    }, 2, () => ({ regions: [] }), 10, new ManualTimers());
    s.touch();
    await s.flush();
    s.takeTheirs(4);
    expect(s.version).toBe(4);
    expect(s.state).toBe("saved");
    expect(s.hasUnsaved).toBe(false);
  });

  it("keeps edits pending after a network error", async () => {
    const s = new Autosaver(async () => {
      throw new Error("offline");
    }, 1, () => ({ regions: [] }), 10, new ManualTimers());
    s.touch();
    await s.flush();
    expect(s.state).toBe("error");
    expect(s.message).toBe("Not saved: offline");
    expect(s.hasUnsaved).toBe(true);
  });

  it("closed (submitted): edits send nothing any more", async () => {
    const saves: number[] = [];
    const timers = new ManualTimers();
    const s = new Autosaver(async (_r, v) => {
      saves.push(v);
      return ann(v + 1);
    }, 2, () => ({ regions: [] }), 1000, timers);
    s.touch();
    s.close("Submitted: read-only");
    expect(timers.fns.size).toBe(0);
    s.touch();
    await s.flush();
    await s.overwrite(9);
    expect(await s.saveNow()).toBe(false);
    expect(saves).toEqual([]);
    expect([s.state, s.message, s.hasUnsaved]).toEqual(["closed", "Submitted: read-only", false]);
  });

  it("saveNow sends pending edits at once, without waiting for the debounce", async () => {
    const saves: number[] = [];
    const timers = new ManualTimers();
    const s = new Autosaver(async (_r, v) => {
      saves.push(v);
      return ann(v + 1);
    }, 2, () => ({ regions: [] }), 1000, timers);
    expect(await s.saveNow()).toBe(false);
    s.touch();
    expect(await s.saveNow()).toBe(true);
    expect(saves).toEqual([2]);
    expect(timers.fns.size).toBe(0);
    expect(s.state).toBe("saved");
  });
});
