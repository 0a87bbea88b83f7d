import type { Conflict } from "../../api/types";
import type { Clock } from "../../timeline/clock";
import type { RegionStore } from "../../timeline/commands";
import { drawnKind, type DrawnKind } from "../../timeline/drawnkind";
import { Emitter } from "../../timeline/emitter";
import type { FrameIndex } from "../../timeline/frames";
import { LaneIndex } from "../../timeline/laneindex";
import { snapTime, type SnapTargets } from "../../timeline/snap";
import type { Region, Schema, Track } from "../../timeline/types";
import type { Action } from "../../timeline/keymap";
import type { FollowMode, Viewport } from "../../timeline/viewport";

/** A set of regions drawn in a lane: the editable annotation, suggestions, or another annotator's version. */
export interface Layer {
  key: string;
  style: "own" | "suggestion" | "other";
  editable: boolean;
  regions(): Region[];
  revision(): number;
  /** testid prefix for regions of this layer ("region-" for own). */
  testidPrefix: string;
  /** Annotation id this layer shows (review: the sources of a copy). */
  annotationId?: number;
  username?: string;
}

export interface Lane {
  key: string;
  title: string;
  track: Track;
  layers: Layer[];
}

export interface Selection {
  layer: Layer;
  id: string;
}

/**
 * How a selection came about. Only a region the annotator clicked is a target for the next label
 * pick; one selected because it was just created (or accepted) is shown, never relabeled silently.
 */
export type SelectHow = "click" | "auto";

export interface WorkbenchEvents {
  viewport: null;
  select: { selection: Selection | null };
  redraw: null;
  /** Requests from views to the shell (label picked, action button, drawn segment, link target). */
  "pick-label": { track: string; value: string };
  action: { action: Action };
  "create-segment": { track: string; start: number; end: number };
  "relation-target": Selection;
  follow: { mode: FollowMode };
  readonly: { readOnly: boolean; reason: string };
  active: { track: string; label: string | undefined };
  status: { message: string };
  mark: { inMs: number | null };
}

/**
 * The shared state of one editing surface: clock, viewport, the store being edited, the lanes,
 * the selection and the active label. Views subscribe to its events and to the clock.
 */
export class Workbench {
  readonly events = new Emitter<WorkbenchEvents>();
  selection: Selection | null = null;
  selectedBy: SelectHow = "auto";
  /** While playing, the window scrolls with the playhead (or pages, the older way). */
  followMode: FollowMode = "scroll";
  /** A submitted annotation: shown, never changed. */
  readOnly = false;
  /** What an edit attempt is told while read-only. */
  readOnlyNote = "";
  active: { track: string; label: string | undefined } | null = null;
  lanes: Lane[] = [];
  frames: FrameIndex | null = null;
  /** The role of the item's video stream, when it has one (lanes on it snap to its frames). */
  videoRole: string | null = null;
  shotBoundaries: number[] = [];
  conflicts: Conflict[] = [];
  markIn: number | null = null;
  relationFrom: Selection | null = null;
  snapPx = 8;
  private indexCache = new Map<string, { rev: number; index: LaneIndex }>();

  constructor(
    readonly clock: Clock,
    readonly viewport: Viewport,
    readonly store: RegionStore,
    readonly schema: Schema,
    /** Stream role → stream kind of the item (what a redact track is drawn as follows from it). */
    readonly streamKinds: ReadonlyMap<string, string> = new Map(),
  ) {
    store.on("change", () => {
      if (this.selection && this.selection.layer.editable && !store.get(this.selection.id)) this.select(null);
      this.events.emit("redraw", null);
    });
    const first = schema.tracks.find((t) => (t.kind === "segment" || t.kind === "point") && (t.labels ?? []).length > 0);
    if (first) this.active = { track: first.name, label: first.labels?.[0]?.value };
  }

  private ownLayers = new Map<string, Layer>();

  /** The editable layer of one track (regions of the store on that track, cached per revision). */
  ownLayer(track: string): Layer {
    let layer = this.ownLayers.get(track);
    const wb = this;
    if (!layer) {
      let cache: { rev: number; regions: Region[] } = { rev: -1, regions: [] };
      layer = {
        key: `own:${track}`,
        style: "own",
        // a getter: the whole surface turns read-only at once when the annotation is submitted
        get editable() {
          return !wb.readOnly;
        },
        testidPrefix: "region-",
        revision: () => this.store.revision,
        regions: () => {
          if (cache.rev !== this.store.revision) cache = { rev: this.store.revision, regions: this.store.byTrack(track) };
          return cache.regions;
        },
      };
      this.ownLayers.set(track, layer);
    }
    return layer;
  }

  /** Is this selection the given region of the given layer? */
  isSelected(layer: Layer, id: string): boolean {
    return this.selection !== null && this.selection.layer.key === layer.key && this.selection.id === id;
  }

  /** The kind the editor draws a track as (a redact track takes its stream's shape). */
  kindOf(track: Track): DrawnKind {
    return drawnKind(track, this.streamKinds);
  }

  track(name: string): Track | undefined {
    return this.schema.tracks.find((t) => t.name === name);
  }

  /** The binary-search index of a layer, rebuilt only when its revision changed. */
  index(layer: Layer): LaneIndex {
    const rev = layer.revision();
    const hit = this.indexCache.get(layer.key);
    if (hit && hit.rev === rev) return hit.index;
    const index = new LaneIndex(layer.regions());
    this.indexCache.set(layer.key, { rev, index });
    return index;
  }

  regionOf(sel: Selection | null): Region | null {
    if (!sel) return null;
    return sel.layer.regions().find((r) => r.id === sel.id) ?? null;
  }

  select(sel: Selection | null, how: SelectHow = "auto"): void {
    this.selection = sel;
    this.selectedBy = sel ? how : "auto";
    this.events.emit("select", { selection: sel });
    this.events.emit("redraw", null);
  }

  setActive(track: string, label: string | undefined): void {
    this.active = { track, label };
    this.events.emit("active", { track, label });
  }

  status(message: string): void {
    this.events.emit("status", { message });
  }

  /** Snap a time to shot cuts and frame boundaries near it (within snapPx at the current zoom). */
  snap(ms: number): number {
    const targets: SnapTargets[] = [{ kind: "shot", times: this.shotBoundaries }];
    const span = this.snapPx * this.viewport.msPerPx;
    if (this.frames) targets.push({ kind: "frame", times: this.frames.boundariesIn(ms - span, ms + span) });
    return snapTime(ms, targets, this.viewport.msPerPx, this.snapPx).timeMs;
  }

  /**
   * The frame index a track's regions snap to: the video's, when the track is on the video stream
   * (or names no stream on an item with video); null for tracks on audio or text streams.
   */
  framesFor(track: Track): FrameIndex | null {
    if (!this.frames || this.videoRole === null) return null;
    return !track.stream || track.stream === this.videoRole ? this.frames : null;
  }

  /** Move the playhead by n frames (by the frame index; 40 ms steps without video). */
  stepFrames(n: number): void {
    if (this.frames) this.clock.seek(this.frames.step(this.clock.timeMs, n));
    else this.clock.seek(this.clock.timeMs + 40 * n);
  }

  /**
   * The region a label pick on `track` relabels: the selected one of this annotation, if the
   * annotator selected it by clicking and it has another label; else none (the pick only sets
   * the label of the next region).
   */
  relabelTarget(track: string, value: string): Region | undefined {
    const s = this.selection;
    if (!s || !s.layer.editable || this.selectedBy !== "click") return undefined;
    const r = this.store.get(s.id);
    return r && r.track === track && r.label !== value ? r : undefined;
  }

  setFollow(mode: FollowMode): void {
    this.followMode = mode;
    this.events.emit("follow", { mode });
  }

  /** Make the editable layers read-only (submitted) for good; views redraw without edit affordances. */
  setReadOnly(reason: string, note = "This annotation is submitted: it is read-only"): void {
    this.readOnly = true;
    this.readOnlyNote = note;
    this.store.readOnly = true;
    this.markIn = null;
    this.relationFrom = null;
    this.events.emit("readonly", { readOnly: true, reason });
    this.events.emit("select", { selection: this.selection });
    this.events.emit("redraw", null);
  }

  /** Editable again: the author reopened the submitted annotation and the server agreed. */
  setEditable(): void {
    this.readOnly = false;
    this.store.readOnly = false;
    this.events.emit("readonly", { readOnly: false, reason: "" });
    this.events.emit("select", { selection: this.selection });
    this.events.emit("redraw", null);
  }

  viewportChanged(): void {
    this.events.emit("viewport", null);
  }
}
