import { describe, expect, it } from "vitest";
import { Clock } from "../../src/timeline/clock";
import { FrameIndex } from "../../src/timeline/frames";
import { MediaSync, RATES, elementSeconds, stepRate, timelineMs, type MediaLike, type SchedulerLike } from "../../src/timeline/player";

class FakeMedia implements MediaLike {
  currentTime = 0;
  playbackRate = 1;
  paused = true;
  constructor(public duration: number) {}
  play(): void {
    this.paused = false;
  }
  pause(): void {
    this.paused = true;
  }
}

class FakeScheduler implements SchedulerLike {
  t = 0;
  queued: (() => void) | null = null;
  now(): number {
    return this.t;
  }
  request(fn: () => void): number {
    this.queued = fn;
    return 1;
  }
  cancel(): void {
    this.queued = null;
  }
  runFrame(advanceMs: number): void {
    this.t += advanceMs;
    const fn = this.queued;
    this.queued = null;
    fn?.();
  }
}

describe("MediaSync", () => {
  it("converts between timeline ms and element seconds with the stream offset", () => {
    expect(elementSeconds(1120, 120)).toBe(1);
    expect(timelineMs(1, 120)).toBe(1120);
  });

  it("seeks a late audio stream by its offset and a paused video to mid-frame", () => {
    const clock = new Clock(10_000);
    const video = new FakeMedia(10);
    const audio = new FakeMedia(10);
    const frames = new FrameIndex([0, 40, 80, 120], 25);
    new MediaSync(clock, [
      { el: video, offsetMs: 0, role: "video", frames },
      { el: audio, offsetMs: 120, role: "audio" },
    ], new FakeScheduler());
    clock.seek(90);
    expect(video.currentTime).toBe(0.1);
    expect(audio.currentTime).toBe(0);
    clock.seek(1120);
    expect(audio.currentTime).toBe(1);
  });

  it("drives the clock from the master element and re-seeks a drifting follower", () => {
    const clock = new Clock(10_000);
    const video = new FakeMedia(10);
    const audio = new FakeMedia(10);
    const sched = new FakeScheduler();
    new MediaSync(clock, [
      { el: video, offsetMs: 0, role: "video" },
      { el: audio, offsetMs: 120, role: "audio" },
    ], sched);
    clock.seek(1000);
    clock.play();
    expect(video.paused).toBe(false);
    expect(audio.paused).toBe(false);
    video.currentTime = 1.5;
    audio.currentTime = 1.0; // timeline 1120, 380 ms behind
    sched.runFrame(16);
    expect(clock.timeMs).toBe(1500);
    expect(audio.currentTime).toBeCloseTo(1.38, 10);
    clock.pause();
    expect(video.paused).toBe(true);
    expect(sched.queued).toBeNull();
  });

  it("advances on the wall clock when no medium is in range", () => {
    const clock = new Clock(10_000);
    const sched = new FakeScheduler();
    new MediaSync(clock, [], sched);
    clock.setRate(2);
    clock.play();
    sched.runFrame(100);
    expect(clock.timeMs).toBe(200);
  });

  it("rejects a stream without a finite offset naming the call", () => {
    const clock = new Clock(1000);
    expect(() => new MediaSync(clock, [{ el: new FakeMedia(1), offsetMs: NaN, role: "audio" }], new FakeScheduler())).toThrow(
      "new MediaSync(): streams[0].offsetMs should be a finite number of ms",
    );
  });
});

describe("playback rate steps", () => {
  it("steps through the rates and stops at the ends the clock allows", () => {
    expect(stepRate(1, 1)).toBe(1.25);
    expect(stepRate(1, -1)).toBe(0.75);
    expect(stepRate(2, 1)).toBe(2);
    expect(stepRate(0.5, -1)).toBe(0.5);
    expect(stepRate(1.1, -1)).toBe(1);
    const clock = new Clock(1000);
    for (const r of RATES) clock.setRate(r); // every step is a rate the clock accepts
    expect(clock.rate).toBe(2);
  });
});
