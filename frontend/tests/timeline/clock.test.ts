import { describe, expect, it } from "vitest";
import { Clock } from "../../src/timeline/clock";

describe("Clock", () => {
  it("keeps integer ms clamped to the duration and notifies subscribers", () => {
    const c = new Clock(10_000);
    const seen: number[] = [];
    const off = c.on("time", (e) => seen.push(e.timeMs));
    c.seek(1234.6);
    c.seek(-5);
    c.seek(20_000);
    off();
    c.seek(1);
    expect(seen).toEqual([1235, 0, 10_000]);
  });

  it("names the public call in validation errors", () => {
    const c = new Clock(1000);
    expect(() => c.seek(NaN)).toThrow("clock.seek(): time should be a finite number of ms");
    expect(() => c.seek("5" as unknown as number)).toThrow("clock.seek(): time should be a finite number of ms");
    expect(() => c.setRate(3)).toThrow("clock.setRate(): rate should be a number between 0.5 and 2");
    expect(() => c.setLoop([500, 100])).toThrow("clock.setLoop(): end should be after start");
    expect(() => new Clock(Infinity)).toThrow("new Clock(): durationMs should be a finite number of ms");
  });

  it("loops playback inside the loop range", () => {
    const c = new Clock(10_000);
    c.setLoop([1000, 2000]);
    expect(c.timeMs).toBe(1000);
    c.play();
    c.tick(1500);
    c.tick(2001);
    expect(c.timeMs).toBe(1000);
  });

  it("pauses at the end and restarts from zero on play", () => {
    const c = new Clock(1000);
    const events: string[] = [];
    c.on("play", () => events.push("play"));
    c.on("pause", () => events.push("pause"));
    c.play();
    c.tick(1000);
    expect(c.playing).toBe(false);
    c.play();
    expect(c.timeMs).toBe(0);
    expect(events).toEqual(["play", "pause", "play"]);
  });
});
