import { formatMs } from "../../dom";
import type { Clock } from "../../timeline/clock";
import type { RegionStore } from "../../timeline/commands";
import { overlapping } from "../../timeline/overlap";
import type { Region, Schema, Track } from "../../timeline/types";
import { describeRegion } from "./describe";
import type { TextPane } from "./transcript";
import type { Selection, Workbench } from "./workbench";

/**
 * The editor's keyboard and button edits (mark in/out, points, labels, spans, relations, loop),
 * each one store command, apart from the shell that builds the page and routes actions.
 */
export class EditActions {
  private readonly clock: Clock;
  private readonly store: RegionStore;

  constructor(
    private readonly wb: Workbench,
    private readonly schema: Schema,
    private readonly textPanes: () => readonly TextPane[],
  ) {
    this.clock = wb.clock;
    this.store = wb.store;
  }

  private firstTrack(kinds: string[]): Track | undefined {
    const act = this.wb.active ? this.wb.track(this.wb.active.track) : undefined;
    if (act && kinds.includes(this.wb.kindOf(act))) return act;
    return this.schema.tracks.find((t) => kinds.includes(this.wb.kindOf(t)));
  }

  private labelFor(track: Track): string | undefined {
    if (this.wb.active?.track === track.name) return this.wb.active.label;
    return track.labels?.[0]?.value;
  }

  /** Create a segment (or transcript segment) unless it breaks the track's overlap rule. */
  createSegment(trackName: string, start: number, end: number): Region | null {
    const track = this.wb.track(trackName);
    if (!track || end <= start) return null;
    const region: Region = { id: this.store.newId(), track: track.name, start_ms: start, end_ms: end };
    if (track.kind === "transcript") region.text = "";
    else region.label = this.labelFor(track);
    const clash = overlapping(track, this.store.byTrack(track.name), region);
    if (clash.length) {
      this.wb.status(`Not created: overlaps ${clash.join(", ")} on ${track.name}`);
      return null;
    }
    this.store.add(region, "create");
    this.wb.select({ layer: this.wb.ownLayer(track.name), id: region.id });
    this.wb.status(`Created ${region.label ?? "segment"} ${formatMs(start)}–${formatMs(end)}`);
    return region;
  }

  markOut(): void {
    const wb = this.wb;
    const t = this.clock.timeMs;
    if (wb.markIn === null) {
      const s = wb.selection;
      const r = s && s.layer.editable ? this.store.get(s.id) : undefined;
      if (r && typeof r.start_ms === "number" && t > r.start_ms) this.store.update(r.id, { end_ms: t }, "mark out");
      else wb.status("Press [ first to mark the start");
      return;
    }
    const track = this.firstTrack(["segment", "transcript"]);
    const a = Math.min(wb.markIn, t);
    const b = Math.max(wb.markIn, t);
    wb.markIn = null;
    wb.events.emit("mark", { inMs: null });
    if (!track) return wb.status("The schema has no segment track");
    this.createSegment(track.name, a, b);
  }

  addPoint(): void {
    const track = this.firstTrack(["point"]);
    if (!track) return this.wb.status("The schema has no point track");
    const region: Region = { id: this.store.newId(), track: track.name, label: this.labelFor(track), time_ms: this.clock.timeMs };
    this.store.add(region, "point");
    this.wb.select({ layer: this.wb.ownLayer(track.name), id: region.id });
  }

  labelAction(trackName: string, value: string): void {
    const wb = this.wb;
    const track = wb.track(trackName);
    if (!track) return;
    const kind = this.wb.kindOf(track);
    if (kind === "span") {
      for (const pane of this.textPanes()) {
        const off = pane.selectionOffsets();
        if (!off) continue;
        const region: Region = { id: this.store.newId(), track: track.name, label: value, start_char: off.start, end_char: off.end, text: pane.text.slice(off.start, off.end) };
        this.store.add(region, "span");
        window.getSelection()?.removeAllRanges();
        wb.select({ layer: wb.ownLayer(track.name), id: region.id });
        return;
      }
    }
    wb.setActive(track.name, value);
    // Picking a label sets the label of the next region. Only a region the annotator clicked is
    // relabeled, with a message and one undo step: never the one just drawn, never silently.
    const r = wb.relabelTarget(track.name, value);
    if (r) {
      const was = r.label ?? "no label";
      this.store.update(r.id, { label: value }, "relabel");
      wb.status(`Relabeled ${was} → ${value} (Ctrl+Z undoes)`);
    } else if (kind === "segment" || kind === "point" || kind === "box") wb.status(`Next region: ${value}`);
    else if (kind === "span") wb.status("Select text in the text pane, then press the label key");
    else if (kind === "relation") this.startRelation();
  }

  toggleLoop(): void {
    if (this.clock.loop) {
      this.clock.setLoop(null);
      this.wb.status("Loop off");
      return;
    }
    const r = this.wb.regionOf(this.wb.selection);
    if (r && typeof r.start_ms === "number" && typeof r.end_ms === "number" && r.end_ms > r.start_ms) {
      this.clock.setLoop([r.start_ms, r.end_ms]);
      this.clock.play();
      this.wb.status(`Looping ${formatMs(r.start_ms)}–${formatMs(r.end_ms)}`);
    } else this.wb.status("Select a segment to loop");
  }

  startRelation(): void {
    const s = this.wb.selection;
    if (!s || !s.layer.editable) return this.wb.status("Select a region first, then press r");
    if (!this.schema.tracks.some((t) => t.kind === "relation")) return this.wb.status("The schema has no relation track");
    this.wb.relationFrom = s;
    this.wb.status("Click the region to link to (Esc cancels)");
  }

  finishRelation(target: Selection): void {
    const from = this.wb.relationFrom;
    this.wb.relationFrom = null;
    if (!from || !target.layer.editable || target.id === from.id) {
      this.wb.status("Link cancelled (pick another region of this annotation)");
      return;
    }
    const track = this.firstTrack(["relation"]) as Track;
    const region: Region = { id: this.store.newId(), track: track.name, label: this.labelFor(track), from_id: from.id, to_id: target.id };
    this.store.add(region, "relation");
    this.wb.status(`Linked ${describeRegion(this.store.get(from.id))} → ${describeRegion(this.store.get(target.id))} (${region.label ?? ""})`);
    this.wb.select(from);
  }
}
