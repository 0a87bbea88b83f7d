import type { ApiClient } from "../../api/client";
import type { Project, Task } from "../../api/types";
import { clear, formatMs, h, isTypingTarget } from "../../dom";
import { Clock } from "../../timeline/clock";
import { RegionStore } from "../../timeline/commands";
import { FrameIndex } from "../../timeline/frames";
import { actionFor, buildKeyMap, parseLabelAction, type Action, type KeyMap } from "../../timeline/keymap";
import { overlapping } from "../../timeline/overlap";
import { MediaSync, type MediaStreamSpec } from "../../timeline/player";
import type { Region, Result, Track } from "../../timeline/types";
import { Viewport } from "../../timeline/viewport";
import { FilmstripView } from "./filmstrip";
import { KeysOverlay } from "./keysoverlay";
import { buildToolbar } from "./toolbar";
import { HEADER_PX, LanesView } from "./lanes";
import { SidePanel, type SidePanelHooks } from "./sidepanel";
import { TextPane, TranscriptView } from "./transcript";
import { VideoView } from "./video";
import { WaveformView } from "./waveform";
import { Workbench, type Lane, type Selection } from "./workbench";

export const TIMED_KINDS = new Set(["segment", "point", "transcript", "box"]);

export interface ShellOptions {
  root: HTMLElement;
  api: ApiClient;
  task: Task;
  project: Project;
  result: Result;
  /** Buttons placed at the right of the toolbar (submit, skip, next / resolve). */
  toolbarActions: HTMLElement[];
  hooks: SidePanelHooks;
  /** Mode-specific keys (accept / reject) before the shared ones. */
  onAction?: (a: Action) => boolean;
  /** Ctrl/Cmd+S: save now (annotate); absent where nothing is saved by hand. */
  onSave?: () => void;
}

/**
 * The editing surface shared by the annotate and review views: media, waveform, filmstrip,
 * transcript and text panes, lanes, side panel, toolbar and keyboard, all on one clock.
 */
export class Shell {
  readonly wb: Workbench;
  readonly clock: Clock;
  readonly store: RegionStore;
  readonly lanesView: LanesView;
  readonly side: SidePanel;
  readonly keymap: KeyMap;
  readonly bannerSlot: HTMLElement;
  readonly statusEl: HTMLElement;
  readonly keysOverlay: KeysOverlay;
  private followBtn: HTMLButtonElement;
  private timeEl: HTMLElement;
  private frameEl: HTMLElement;
  private playBtn: HTMLButtonElement;
  private textPanes: TextPane[] = [];
  private transcriptViews: TranscriptView[] = [];
  waveform: WaveformView | null = null;
  video: VideoView | null = null;
  sync: MediaSync | null = null;

  constructor(private o: ShellOptions) {
    const item = o.task.item;
    const streamEnd = Math.max(0, ...item.streams.map((s) => (s.asset?.duration_ms ?? 0) + (s.offset_ms ?? 0)));
    const duration = Math.max(1000, item.duration_ms || streamEnd || 0);
    this.clock = new Clock(duration);
    this.store = new RegionStore(o.result);
    const viewport = new Viewport(duration, 0.25);
    this.wb = new Workbench(this.clock, viewport, this.store, o.project.schema);
    this.keymap = buildKeyMap(o.project.schema);
    this.lanesView = new LanesView(this.wb);
    this.side = new SidePanel(this.wb, o.hooks, this.keymap);
    this.keysOverlay = new KeysOverlay(this.keymap);
    this.followBtn = h("button", { testid: "follow-mode", title: "Playhead follow while playing (Shift+F)", onclick: () => this.run("follow-toggle") });
    this.showFollow();
    this.bannerSlot = h("div", { class: "banner-slot" });
    this.statusEl = h("div", { class: "statusline", testid: "status" });
    this.timeEl = h("span", { class: "time", testid: "time", text: formatMs(0) });
    this.frameEl = h("span", { class: "frame", testid: "frame" });
    this.playBtn = h("button", { class: "play", testid: "play", title: "Play / pause (Space)", text: "▶", onclick: () => this.clock.toggle() });
    this.wb.events.on("status", (e) => (this.statusEl.textContent = e.message));
    // Schema hotkeys an editor key holds are listed in the `?` overlay, not pushed at every annotator.
    this.clock.on("time", (e) => this.onTime(e.timeMs));
    this.clock.on("play", () => (this.playBtn.textContent = "❚❚"));
    this.clock.on("pause", () => (this.playBtn.textContent = "▶"));
    document.addEventListener("keydown", (e) => this.onKey(e));
    this.wb.events.on("pick-label", (d) => this.labelAction(d.track, d.value));
    this.wb.events.on("action", (d) => this.run(d.action));
    this.wb.events.on("create-segment", (d) => this.createSegment(d.track, d.start, d.end));
    this.wb.events.on("relation-target", (d) => this.finishRelation(d));
  }

  /** Build the page; resolves when media indexes are loaded. */
  async mount(lanes: Lane[]): Promise<void> {
    const { root, task, api } = this.o;
    const streams = task.item.streams;
    const videoStream = streams.find((s) => s.kind === "video" && s.asset);
    const audioStreams = streams.filter((s) => s.kind === "audio" && s.asset);
    const textStreams = streams.filter((s) => s.kind === "text");
    const toolbar = buildToolbar({
      run: (a) => this.run(a),
      clock: this.clock,
      wb: this.wb,
      transport: [this.playBtn, this.timeEl, this.frameEl],
      followBtn: this.followBtn,
      title: `${this.o.project.name} · ${this.o.task.item.external_id || `item ${this.o.task.item.id}`}`,
      actions: this.o.toolbarActions,
    });
    const media = h("div", { class: "media" });
    const texts = h("div", { class: "texts" });
    const timelineBox = h("div", { class: "timeline-box" });
    clear(root);
    root.classList.add("tandem");
    root.append(
      this.bannerSlot,
      toolbar,
      h("div", { class: "workspace" }, h("div", { class: "upper" }, media, texts), timelineBox, this.statusEl),
      this.side.el,
      this.keysOverlay.el,
    );
    const specs: MediaStreamSpec[] = [];
    if (videoStream) {
      this.video = new VideoView(this.wb, videoStream.asset.media_url);
      media.append(this.video.el);
      if (audioStreams.length) this.video.video.muted = true;
      const frames = await api.frames(videoStream.asset.frames_url).catch(() => null);
      if (frames && frames.timestamps_ms?.length) {
        try {
          this.wb.frames = new FrameIndex(frames.timestamps_ms, frames.fps, videoStream.offset_ms);
        } catch (err) {
          this.wb.status(String(err));
        }
      }
      specs.push({ el: this.video.video, offsetMs: videoStream.offset_ms, role: videoStream.role, frames: this.wb.frames });
    } else {
      media.classList.add("no-video", audioStreams.length ? "audio-only" : "text-only");
      media.append(h("div", { class: "placeholder", text: audioStreams.length ? "Audio only" : "Text only" }));
    }
    for (const a of audioStreams) {
      const el = h("audio", { preload: "auto", src: a.asset.media_url, testid: `audio-${a.role}` });
      media.append(el);
      specs.push({ el, offsetMs: a.offset_ms, role: a.role });
    }
    this.sync = new MediaSync(this.clock, specs);
    // transcript and text panes
    const schema = this.o.project.schema;
    for (const t of schema.tracks.filter((x) => x.kind === "transcript")) {
      const v = new TranscriptView(this.wb, t);
      v.setLayer(this.wb.ownLayer(t.name));
      this.transcriptViews.push(v);
      texts.append(v.el);
    }
    const spanTracks = schema.tracks.filter((t) => t.kind === "span");
    for (const s of textStreams) {
      const tracks = spanTracks.filter((t) => !t.stream || t.stream === s.role || textStreams.length === 1);
      const pane = new TextPane(this.wb, s.role, s.text ?? "", tracks);
      this.textPanes.push(pane);
      texts.append(pane.el);
    }
    if (!texts.childElementCount) texts.classList.add("empty");
    // timeline rows
    const wfStream = audioStreams.find((a) => a.asset.waveform_levels?.length) ?? (videoStream?.asset.waveform_levels?.length ? videoStream : undefined);
    if (wfStream) {
      this.waveform = new WaveformView(this.wb, { asset: wfStream.asset, offsetMs: wfStream.offset_ms }, api);
      this.lanesView.extraRows.append(
        h("div", { class: "tl-row tl-wave-row" }, h("div", { class: "tl-head", text: `waveform · ${wfStream.role}` }), h("div", { class: "tl-body" }, this.waveform.el)),
      );
    }
    if (videoStream) {
      const shots = await api.shots(videoStream.asset.shots_url).catch(() => null);
      if (shots) {
        this.wb.shotBoundaries = (shots.shots ?? []).map((s) => s.start_ms + videoStream.offset_ms).sort((a, b) => a - b);
        const fs = new FilmstripView(this.wb, shots, videoStream.offset_ms);
        this.lanesView.extraRows.append(h("div", { class: "tl-row tl-film-row" }, h("div", { class: "tl-head", text: "filmstrip" }), fs.el));
      }
    }
    timelineBox.append(this.lanesView.el);
    if (this.waveform) timelineBox.append(h("div", { class: "tl-row tl-peaks-overview" }, h("div", { class: "tl-head tl-small", text: "waveform overview" }), h("div", { class: "tl-body" }, this.waveform.overviewEl)));
    if (!lanes.length && !wfStream && !videoStream) timelineBox.classList.add("hidden");
    this.lanesView.setLanes(lanes);
    this.lanesView.resize();
    this.wb.viewport.fitAll();
    this.wb.viewportChanged();
    if (this.waveform) await this.waveform.init();
    new ResizeObserver(() => this.lanesView.resize()).observe(timelineBox);
    this.onTime(0);
    void HEADER_PX;
  }

  private onTime(ms: number): void {
    this.timeEl.textContent = formatMs(ms);
    if (this.wb.frames) this.frameEl.textContent = `frame ${this.wb.frames.frameAt(ms)}`;
  }

  private onKey(e: KeyboardEvent): void {
    const a = actionFor(this.keymap, e);
    // while typing, only Esc and Ctrl+S reach the editor (the browser's "save page" never should)
    if (isTypingTarget(e.target) && a !== "escape" && a !== "save") return;
    if (!a) return;
    e.preventDefault();
    this.run(a);
  }

  private showFollow(): void {
    const scroll = this.wb.followMode === "scroll";
    this.followBtn.textContent = scroll ? "Follow: scroll" : "Follow: page";
    this.followBtn.dataset.mode = this.wb.followMode;
  }

  /** Actions that would change the annotation, refused with a word when it is read-only. */
  private static readonly EDITS = new Set<Action>(["mark-in", "mark-out", "add-point", "undo", "redo", "relation", "delete"]);

  /** Run an editor action (from a key, a button or a custom event). */
  run(a: Action): void {
    if (this.o.onAction?.(a)) return;
    const wb = this.wb;
    const c = this.clock;
    const label = parseLabelAction(a);
    if (this.wb.readOnly && (label || Shell.EDITS.has(a))) {
      this.wb.status("This annotation is submitted: it is read-only");
      return;
    }
    if (label) {
      this.labelAction(label.track, label.value);
      return;
    }
    switch (a) {
      case "play-toggle": c.toggle(); break;
      case "frame-prev": wb.stepFrames(-1); break;
      case "frame-next": wb.stepFrames(1); break;
      case "second-prev": c.seek(c.timeMs - 1000); break;
      case "second-next": c.seek(c.timeMs + 1000); break;
      case "mark-in":
        wb.markIn = c.timeMs;
        wb.events.emit("mark", { inMs: wb.markIn });
        wb.status(`Mark in at ${formatMs(c.timeMs)}; press ] at the end`);
        break;
      case "mark-out": this.markOut(); break;
      case "add-point": this.addPoint(); break;
      case "undo": if (!this.store.undo()) wb.status("Nothing to undo"); break;
      case "redo": if (!this.store.redo()) wb.status("Nothing to redo"); break;
      case "loop": this.toggleLoop(); break;
      case "relation": this.startRelation(); break;
      case "delete": {
        const s = wb.selection;
        if (s && s.layer.editable) this.store.remove(s.id);
        break;
      }
      case "save":
        if (this.o.onSave) this.o.onSave();
        else wb.status("Nothing here is saved by hand");
        break;
      case "help": this.keysOverlay.toggle(); break;
      case "follow-toggle":
        wb.setFollow(wb.followMode === "scroll" ? "page" : "scroll");
        this.showFollow();
        wb.status(wb.followMode === "scroll" ? "While playing, the view scrolls with the playhead" : "While playing, the view turns a page at a time");
        break;
      case "escape":
        if (this.keysOverlay.open) {
          this.keysOverlay.hide();
          break;
        }
        wb.markIn = null;
        wb.relationFrom = null;
        wb.events.emit("mark", { inMs: null });
        wb.select(null);
        wb.status("");
        break;
      case "zoom-in":
      case "zoom-out": {
        const vp = wb.viewport;
        const px = vp.timeToPx(c.timeMs);
        const anchorPx = px >= 0 && px <= vp.widthPx ? px : vp.widthPx / 2;
        vp.setZoom(vp.msPerPx * (a === "zoom-in" ? 0.5 : 2), vp.pxToTime(anchorPx), anchorPx);
        wb.viewportChanged();
        break;
      }
      default: break;
    }
  }

  private firstTrack(kinds: string[]): Track | undefined {
    const act = this.wb.active ? this.wb.track(this.wb.active.track) : undefined;
    if (act && kinds.includes(act.kind)) return act;
    return this.o.project.schema.tracks.find((t) => kinds.includes(t.kind));
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

  private markOut(): void {
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

  private addPoint(): void {
    const track = this.firstTrack(["point"]);
    if (!track) return this.wb.status("The schema has no point track");
    const region: Region = { id: this.store.newId(), track: track.name, label: this.labelFor(track), time_ms: this.clock.timeMs };
    this.store.add(region, "point");
    this.wb.select({ layer: this.wb.ownLayer(track.name), id: region.id });
  }

  private labelAction(trackName: string, value: string): void {
    const wb = this.wb;
    const track = wb.track(trackName);
    if (!track) return;
    if (track.kind === "span") {
      for (const pane of this.textPanes) {
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
    } else if (track.kind === "segment" || track.kind === "point" || track.kind === "box") wb.status(`Next region: ${value}`);
    else if (track.kind === "span") wb.status("Select text in the text pane, then press the label key");
    else if (track.kind === "relation") this.startRelation();
  }

  private toggleLoop(): void {
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

  private startRelation(): void {
    const s = this.wb.selection;
    if (!s || !s.layer.editable) return this.wb.status("Select a region first, then press r");
    if (!this.o.project.schema.tracks.some((t) => t.kind === "relation")) return this.wb.status("The schema has no relation track");
    this.wb.relationFrom = s;
    this.wb.status("Click the region to link to (Esc cancels)");
  }

  private finishRelation(target: Selection): void {
    const from = this.wb.relationFrom;
    this.wb.relationFrom = null;
    if (!from || !target.layer.editable || target.id === from.id) {
      this.wb.status("Link cancelled (pick another region of this annotation)");
      return;
    }
    const track = this.firstTrack(["relation"]) as Track;
    const region: Region = { id: this.store.newId(), track: track.name, label: this.labelFor(track), from_id: from.id, to_id: target.id };
    this.store.add(region, "relation");
    this.wb.status(`Linked ${from.id} → ${target.id} (${region.label ?? ""})`);
    this.wb.select(from);
  }
}
