import { Emitter } from "./emitter";
import { fitWords } from "./words";
import { cloneRegion, type Region, type Result } from "./types";

/** One undoable change: the regions before and after, by id (null = absent). */
export interface Change {
  id: string;
  before: Region | null;
  after: Region | null;
}

export interface Command {
  label: string;
  changes: Change[];
}

export interface StoreEvents {
  change: { label: string; ids: string[] };
}

/**
 * The annotation being edited: regions by id plus an undo/redo command stack.
 *
 * Every edit goes through `apply` as a list of before/after pairs, so undo is the same code path
 * run backwards and a whole batch (accept all, copy a version) undoes as one step.
 */
export class RegionStore {
  private byId = new Map<string, Region>();
  private order: string[] = [];
  private undoStack: Command[] = [];
  private redoStack: Command[] = [];
  private emitter = new Emitter<StoreEvents>();
  private seq = 0;
  /** Increases on every change; views compare it to know when to rebuild their indexes. */
  revision = 0;
  /**
   * Set when the annotation can no longer be written (submitted): every edit, undo and redo is
   * refused here, below every view, so no path can change what autosave would send.
   */
  readOnly = false;

  constructor(result?: Result) {
    if (result) this.reset(result);
  }

  on<K extends keyof StoreEvents>(event: K, fn: (p: StoreEvents[K]) => void): () => void {
    return this.emitter.on(event, fn);
  }

  /** Replace everything (load from the server); clears history. */
  reset(result: Result): void {
    this.byId.clear();
    this.order = [];
    for (const r of result.regions ?? []) {
      if (!r || typeof r.id !== "string") continue;
      this.byId.set(r.id, cloneRegion(r));
      this.order.push(r.id);
    }
    this.undoStack = [];
    this.redoStack = [];
    this.revision++;
    this.emitter.emit("change", { label: "load", ids: [...this.order] });
  }

  get(id: string): Region | undefined {
    return this.byId.get(id);
  }

  all(): Region[] {
    return this.order.map((id) => this.byId.get(id) as Region);
  }

  byTrack(track: string): Region[] {
    return this.all().filter((r) => r.track === track);
  }

  result(): Result {
    return { regions: this.all().map(cloneRegion) };
  }

  /** A fresh id unused in this result. */
  newId(prefix = "r"): string {
    let id: string;
    do {
      id = `${prefix}${Date.now().toString(36)}${(this.seq++).toString(36)}`;
    } while (this.byId.has(id));
    return id;
  }

  add(region: Region, label = "add"): void {
    if (this.byId.has(region.id)) throw new Error(`store.add(): region id ${region.id} is already used`);
    this.apply({ label, changes: [{ id: region.id, before: null, after: cloneRegion(region) }] });
  }

  update(id: string, patch: Partial<Region>, label = "edit"): void {
    const before = this.byId.get(id);
    if (!before) throw new Error(`store.update(): no region ${id}`);
    const after = { ...cloneRegion(before), ...JSON.parse(JSON.stringify(patch)) } as Region;
    after.id = id;
    if (after.words && !("words" in patch) && ("start_ms" in patch || "end_ms" in patch)) {
      // moving or resizing a transcript segment takes its timed words along, inside it
      after.words = fitWords(after.words, before.start_ms ?? 0, before.end_ms ?? 0, after.start_ms ?? 0, after.end_ms ?? 0);
    }
    this.apply({ label, changes: [{ id, before: cloneRegion(before), after }] });
  }

  /** Remove a region and the relations that point at it. */
  remove(id: string, label = "delete"): void {
    const before = this.byId.get(id);
    if (!before) return;
    const changes: Change[] = [{ id, before: cloneRegion(before), after: null }];
    for (const r of this.byId.values()) {
      if (r.from_id === id || r.to_id === id) changes.push({ id: r.id, before: cloneRegion(r), after: null });
    }
    this.apply({ label, changes });
  }

  /** Apply a batch of changes as one undo step. */
  apply(cmd: Command): void {
    if (cmd.changes.length === 0 || this.readOnly) return;
    this.run(cmd.changes, "after");
    this.undoStack.push(cmd);
    this.redoStack = [];
    this.emitChange(cmd);
  }

  canUndo(): boolean {
    return this.undoStack.length > 0;
  }
  canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  undo(): boolean {
    if (this.readOnly) return false;
    const cmd = this.undoStack.pop();
    if (!cmd) return false;
    this.run([...cmd.changes].reverse(), "before");
    this.redoStack.push(cmd);
    this.emitChange(cmd);
    return true;
  }

  redo(): boolean {
    if (this.readOnly) return false;
    const cmd = this.redoStack.pop();
    if (!cmd) return false;
    this.run(cmd.changes, "after");
    this.undoStack.push(cmd);
    this.emitChange(cmd);
    return true;
  }

  private run(changes: Change[], side: "before" | "after"): void {
    for (const ch of changes) {
      const target = ch[side];
      if (target === null) {
        this.byId.delete(ch.id);
        this.order = this.order.filter((x) => x !== ch.id);
      } else {
        if (!this.byId.has(ch.id)) this.order.push(ch.id);
        this.byId.set(ch.id, cloneRegion(target));
      }
    }
  }

  private emitChange(cmd: Command): void {
    this.revision++;
    this.emitter.emit("change", { label: cmd.label, ids: cmd.changes.map((c) => c.id) });
  }
}
