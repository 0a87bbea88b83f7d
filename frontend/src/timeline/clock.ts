import { Emitter } from "./emitter";

/** Events of the one timeline clock; every view subscribes here, no view keeps its own time. */
export interface ClockEvents {
  /** The playhead moved (playback tick or seek); integer ms on the item timeline. */
  time: { timeMs: number; seeking: boolean };
  play: { timeMs: number };
  pause: { timeMs: number };
  rate: { rate: number };
  duration: { durationMs: number };
  loop: { range: [number, number] | null };
}

const MIN_RATE = 0.5;
const MAX_RATE = 2;

function requireFiniteMs(call: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new TypeError(`${call}: ${name} should be a finite number of ms`);
  }
  return Math.round(v);
}

/**
 * The single clock of the editor, in integer milliseconds on the item timeline.
 *
 * Media elements are slaves of this clock (see player.ts): while playing, the player reports the
 * master element's time through `tick`, and seeks made here are pushed to every element.
 */
export class Clock {
  private emitter = new Emitter<ClockEvents>();
  private _time = 0;
  private _duration: number;
  private _playing = false;
  private _rate = 1;
  private _loop: [number, number] | null = null;

  constructor(durationMs: number) {
    this._duration = Math.max(0, requireFiniteMs("new Clock()", "durationMs", durationMs));
  }

  on<K extends keyof ClockEvents>(event: K, fn: (p: ClockEvents[K]) => void): () => void {
    return this.emitter.on(event, fn);
  }

  get timeMs(): number {
    return this._time;
  }
  get durationMs(): number {
    return this._duration;
  }
  get playing(): boolean {
    return this._playing;
  }
  get rate(): number {
    return this._rate;
  }
  get loop(): [number, number] | null {
    return this._loop;
  }

  setDuration(ms: number): void {
    this._duration = Math.max(0, requireFiniteMs("clock.setDuration()", "duration", ms));
    this.emitter.emit("duration", { durationMs: this._duration });
    if (this._time > this._duration) this.seek(this._duration);
  }

  /** Move the playhead; the time is clamped to [0, duration]. */
  seek(ms: number): void {
    const t = requireFiniteMs("clock.seek()", "time", ms);
    this._time = Math.min(Math.max(0, t), this._duration);
    this.emitter.emit("time", { timeMs: this._time, seeking: true });
  }

  /** Report the master medium's position during playback (not a seek: elements are not re-synced). */
  tick(ms: number): void {
    const t = Math.min(Math.max(0, requireFiniteMs("clock.tick()", "time", ms)), this._duration);
    if (this._loop && this._playing && t >= this._loop[1]) {
      this.seek(this._loop[0]);
      return;
    }
    if (t === this._time) return;
    this._time = t;
    this.emitter.emit("time", { timeMs: t, seeking: false });
    if (t >= this._duration && this._playing) this.pause();
  }

  play(): void {
    if (this._playing) return;
    if (this._time >= this._duration && this._duration > 0) this.seek(this._loop ? this._loop[0] : 0);
    this._playing = true;
    this.emitter.emit("play", { timeMs: this._time });
  }

  pause(): void {
    if (!this._playing) return;
    this._playing = false;
    this.emitter.emit("pause", { timeMs: this._time });
  }

  toggle(): void {
    if (this._playing) this.pause();
    else this.play();
  }

  setRate(rate: number): void {
    if (typeof rate !== "number" || !Number.isFinite(rate) || rate < MIN_RATE || rate > MAX_RATE) {
      throw new RangeError(`clock.setRate(): rate should be a number between ${MIN_RATE} and ${MAX_RATE}`);
    }
    this._rate = rate;
    this.emitter.emit("rate", { rate });
  }

  /** Loop playback over [start, end) ms, or stop looping with null. */
  setLoop(range: [number, number] | null): void {
    if (range !== null) {
      const a = requireFiniteMs("clock.setLoop()", "start", range[0]);
      const b = requireFiniteMs("clock.setLoop()", "end", range[1]);
      if (b <= a) throw new RangeError("clock.setLoop(): end should be after start");
      this._loop = [a, b];
      if (this._time < a || this._time >= b) this.seek(a);
    } else {
      this._loop = null;
    }
    this.emitter.emit("loop", { range: this._loop });
  }
}
