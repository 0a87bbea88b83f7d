import { ConflictError } from "../../api/client";
import type { Annotation } from "../../api/types";
import { Emitter } from "../../timeline/emitter";
import type { Result } from "../../timeline/types";

export type SaveState = "saved" | "dirty" | "saving" | "error" | "conflict" | "closed";

export interface AutosaveEvents {
  state: { state: SaveState; version: number; message: string };
  conflict: { error: ConflictError };
}

export type SaveFn = (result: Result, version: number, keepalive: boolean) => Promise<Annotation>;

export interface TimerLike {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: TimerLike = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Debounced draft saving with optimistic versions.
 *
 * Each PUT carries the version last acknowledged by the server. A 409 freezes saving in the
 * "conflict" state until the user picks a side (`takeTheirs` or `overwrite`): never a silent
 * overwrite. Edits made while a save is in flight are saved right after it.
 */
export class Autosaver {
  private emitter = new Emitter<AutosaveEvents>();
  private timer: unknown = null;
  private inflight: Promise<void> | null = null;
  private pending = false;
  state: SaveState = "saved";
  message = "";

  constructor(
    private save: SaveFn,
    public version: number,
    private getResult: () => Result,
    private delayMs = 1000,
    private timers: TimerLike = realTimers,
  ) {}

  on<K extends keyof AutosaveEvents>(event: K, fn: (p: AutosaveEvents[K]) => void): () => void {
    return this.emitter.on(event, fn);
  }

  /** Note an edit: (re)start the debounce timer. */
  touch(): void {
    if (this.state === "conflict" || this.state === "closed") return;
    this.pending = true;
    this.setState("dirty", "Unsaved changes");
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = this.timers.set(() => {
      this.timer = null;
      void this.flush();
    }, this.delayMs);
  }

  /** Save now if anything is pending; resolves when the server has answered. */
  async flush(keepalive = false): Promise<void> {
    if (this.timer !== null) {
      this.timers.clear(this.timer);
      this.timer = null;
    }
    if (this.inflight) await this.inflight;
    if (!this.pending || this.state === "conflict" || this.state === "closed") return;
    this.pending = false;
    this.setState("saving", "Saving…");
    this.inflight = this.save(this.getResult(), this.version, keepalive)
      .then((a) => {
        this.version = a.version;
        if (this.pending) this.setState("dirty", "Unsaved changes");
        else this.setState("saved", `Saved (version ${this.version})`);
      })
      .catch((e: unknown) => {
        if (e instanceof ConflictError) {
          this.setState("conflict", `Conflict: version ${e.currentVersion} on the server`);
          this.emitter.emit("conflict", { error: e });
        } else {
          this.pending = true;
          this.setState("error", `Not saved: ${e instanceof Error ? e.message : String(e)}`);
        }
      })
      .finally(() => {
        this.inflight = null;
      });
    await this.inflight;
    if (this.pending && this.state === "dirty") await this.flush(keepalive);
  }

  /** Conflict resolution: adopt the server's version (the caller reloads its content). */
  takeTheirs(version: number): void {
    this.version = version;
    this.pending = false;
    this.setState("saved", `Reloaded version ${version}`);
  }

  /** Conflict resolution: write ours over the server's `version`. */
  async overwrite(version: number): Promise<void> {
    if (this.state === "closed") return;
    this.version = version;
    this.pending = true;
    this.state = "dirty";
    await this.flush();
  }

  /** The annotation was reopened (draft again at `version`): saving resumes from there. */
  reopen(version: number): void {
    this.version = version;
    this.pending = false;
    this.setState("saved", `Reopened (version ${version})`);
  }

  /**
   * The annotation can no longer be written (submitted): stop for good. Pending edits are dropped,
   * since every further PUT would only be refused.
   */
  close(message: string): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    this.pending = false;
    this.setState("closed", message);
  }

  /** Save at once (Ctrl+S): true when a save went out and the server took it. */
  async saveNow(): Promise<boolean> {
    if (!this.pending || this.state === "conflict" || this.state === "closed") return false;
    const before = this.version;
    await this.flush();
    return this.version !== before;
  }

  get hasUnsaved(): boolean {
    return this.pending || this.state === "saving" || this.state === "conflict";
  }

  private setState(state: SaveState, message: string): void {
    this.state = state;
    this.message = message;
    this.emitter.emit("state", { state, version: this.version, message });
  }
}
