import type { Clock } from "./clock";
import type { FrameIndex } from "./frames";

/** What the adapter needs from an HTMLMediaElement (a fake in tests). */
export interface MediaLike {
  currentTime: number;
  playbackRate: number;
  readonly paused: boolean;
  readonly duration: number;
  play(): Promise<void> | void;
  pause(): void;
}

export interface MediaStreamSpec {
  el: MediaLike;
  /** Where the stream's 0 sits on the item timeline (ms). */
  offsetMs: number;
  role: string;
  /** Real frame timestamps of a video stream (already shifted by offsetMs). */
  frames?: FrameIndex | null;
}

/** Element seconds for a timeline time: (timeline ms − offset) / 1000. */
export function elementSeconds(timelineMs: number, offsetMs: number): number {
  return (timelineMs - offsetMs) / 1000;
}

/** Timeline integer ms for an element position. */
export function timelineMs(elementSec: number, offsetMs: number): number {
  return Math.round(elementSec * 1000 + offsetMs);
}

/** The playback rates the rate keys step through (within the clock's 0.5–2). */
export const RATES = [0.5, 0.75, 1, 1.25, 1.5, 2] as const;

/** The next rate of RATES from `rate` in direction dir (−1 slower, +1 faster), kept at the ends. */
export function stepRate(rate: number, dir: -1 | 1): number {
  if (dir > 0) return RATES.find((r) => r > rate + 1e-9) ?? RATES[RATES.length - 1];
  return [...RATES].reverse().find((r) => r < rate - 1e-9) ?? RATES[0];
}

/** Tolerated drift between a follower element and the clock before it is re-seeked. */
const DRIFT_MS = 45;

export interface SchedulerLike {
  now(): number;
  request(fn: () => void): number;
  cancel(id: number): void;
}

const browserScheduler: SchedulerLike = {
  now: () => performance.now(),
  request: (fn) => requestAnimationFrame(fn),
  cancel: (id) => cancelAnimationFrame(id),
};

/**
 * Binds media elements to the clock. The first stream in range is the master whose position
 * drives `clock.tick`; followers are re-seeked when they drift. With no media in range (text-only
 * items, or the gap before a late stream starts) the clock advances on the wall clock.
 */
export class MediaSync {
  private streams: MediaStreamSpec[];
  private unsubs: (() => void)[] = [];
  private rafId: number | null = null;
  private lastWall = 0;
  private wallMs = 0;

  constructor(
    private clock: Clock,
    streams: MediaStreamSpec[],
    private sched: SchedulerLike = browserScheduler,
  ) {
    streams.forEach((s, i) => {
      if (!s || !s.el) throw new TypeError(`new MediaSync(): streams[${i}].el should be a media element`);
      if (!Number.isFinite(s.offsetMs)) throw new TypeError(`new MediaSync(): streams[${i}].offsetMs should be a finite number of ms`);
    });
    this.streams = streams;
    this.unsubs.push(
      clock.on("time", (e) => {
        if (e.seeking) this.seekAll(e.timeMs);
      }),
      clock.on("play", () => this.start()),
      clock.on("pause", () => this.stop()),
      clock.on("rate", (e) => this.streams.forEach((s) => (s.el.playbackRate = e.rate))),
    );
    this.seekAll(clock.timeMs);
  }

  destroy(): void {
    this.stop();
    this.unsubs.forEach((u) => u());
  }

  private inRange(s: MediaStreamSpec, ms: number): boolean {
    const sec = elementSeconds(ms, s.offsetMs);
    const dur = Number.isFinite(s.el.duration) ? s.el.duration : Infinity;
    return sec >= 0 && sec < dur;
  }

  /** Element time for a timeline time; paused video shows mid-frame so the decoder lands on frame k. */
  private targetSeconds(s: MediaStreamSpec, ms: number): number {
    if (!this.clock.playing && s.frames) {
      return elementSeconds(s.frames.seekTimeFor(s.frames.frameAt(ms)), s.offsetMs);
    }
    return Math.max(0, elementSeconds(ms, s.offsetMs));
  }

  private seekAll(ms: number): void {
    this.wallMs = ms;
    for (const s of this.streams) {
      const inRange = this.inRange(s, ms);
      try {
        s.el.currentTime = inRange ? this.targetSeconds(s, ms) : ms < s.offsetMs ? 0 : s.el.duration;
      } catch {
        /* element without metadata yet: it is re-seeked on play */
      }
      if (this.clock.playing) {
        if (inRange && s.el.paused) void Promise.resolve(s.el.play()).catch(() => undefined);
        if (!inRange && !s.el.paused) s.el.pause();
      }
    }
  }

  private start(): void {
    this.lastWall = this.sched.now();
    this.wallMs = this.clock.timeMs;
    this.seekAll(this.clock.timeMs);
    if (this.rafId === null) this.rafId = this.sched.request(() => this.frame());
  }

  private stop(): void {
    if (this.rafId !== null) this.sched.cancel(this.rafId);
    this.rafId = null;
    for (const s of this.streams) if (!s.el.paused) s.el.pause();
    this.seekAll(this.clock.timeMs);
  }

  /** One animation frame of playback: read the master, correct followers, tick the clock. */
  frame(): void {
    this.rafId = null;
    if (!this.clock.playing) return;
    const now = this.sched.now();
    const wallDelta = (now - this.lastWall) * this.clock.rate;
    this.lastWall = now;
    this.wallMs += wallDelta;
    const master = this.streams.find((s) => !s.el.paused && this.inRange(s, this.clock.timeMs));
    let t = master ? timelineMs(master.el.currentTime, master.offsetMs) : Math.round(this.wallMs);
    if (master) this.wallMs = t;
    if (!master) t = Math.round(this.wallMs);
    for (const s of this.streams) {
      if (s === master) continue;
      const inRange = this.inRange(s, t);
      if (inRange && s.el.paused) {
        s.el.currentTime = elementSeconds(t, s.offsetMs);
        void Promise.resolve(s.el.play()).catch(() => undefined);
      } else if (inRange && Math.abs(timelineMs(s.el.currentTime, s.offsetMs) - t) > DRIFT_MS) {
        s.el.currentTime = elementSeconds(t, s.offsetMs);
      } else if (!inRange && !s.el.paused) {
        s.el.pause();
      }
    }
    this.clock.tick(t);
    if (this.clock.playing && this.rafId === null) this.rafId = this.sched.request(() => this.frame());
  }
}
