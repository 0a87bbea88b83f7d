import type { ApiClient } from "../../api/client";
import type { Project, Task } from "../../api/types";
import { clear, formatMs, h, isTypingTarget } from "../../dom";
import { Clock } from "../../timeline/clock";
import { streamKindsByRole } from "../../timeline/drawnkind";
import { RegionStore } from "../../timeline/commands";
import { FrameIndex } from "../../timeline/frames";
import { actionFor, buildKeyMap, parseLabelAction, type Action, type KeyMap } from "../../timeline/keymap";
import { MediaSync, stepRate, type MediaStreamSpec } from "../../timeline/player";
import type { Result } from "../../timeline/types";
import { Viewport } from "../../timeline/viewport";
import { FilmstripView } from "./filmstrip";
import { KeysOverlay } from "./keysoverlay";
import { buildToolbar } from "./toolbar";
import { EditActions } from "./editactions";
import { LanesView } from "./lanes";
import { RelationsOverlay } from "./relations";
import { SidePanel, type SidePanelHooks } from "./sidepanel";
import { TextPane, TranscriptView } from "./transcript";
import { VideoView } from "./video";
import { WaveformView } from "./waveform";
import { Workbench, type Lane } from "./workbench";

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
  readonly edits: EditActions;
  readonly relations: RelationsOverlay;
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
    this.wb = new Workbench(this.clock, viewport, this.store, o.project.schema, streamKindsByRole(item.streams));
    this.edits = new EditActions(this.wb, o.project.schema, () => this.textPanes);
    this.keymap = buildKeyMap(o.project.schema);
    this.lanesView = new LanesView(this.wb);
    this.side = new SidePanel(this.wb, o.hooks, this.keymap);
    this.keysOverlay = new KeysOverlay(this.keymap);
    this.relations = new RelationsOverlay(this.wb);
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
    this.wb.events.on("pick-label", (d) => this.edits.labelAction(d.track, d.value));
    this.wb.events.on("action", (d) => this.run(d.action));
    this.wb.events.on("create-segment", (d) => this.edits.createSegment(d.track, d.start, d.end));
    this.wb.events.on("relation-target", (d) => this.edits.finishRelation(d));
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
      viewToggles: [this.relations.button],
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
      this.wb.videoRole = videoStream.role;
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
      this.lanesView.words.editors.set(t.name, v.words);
      texts.append(v.el);
    }
    const spanTracks = schema.tracks.filter((t) => this.wb.kindOf(t) === "span");
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
    this.relations.attach(timelineBox.parentElement as HTMLElement);
    this.onTime(0);
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
  private static readonly EDITS = new Set<Action>(["mark-in", "mark-out", "add-point", "undo", "redo", "relation", "delete", "word-edit", "word-split", "word-merge"]);

  /** Run an editor action (from a key, a button or a custom event). */
  run(a: Action): void {
    if (this.o.onAction?.(a)) return;
    const wb = this.wb;
    const c = this.clock;
    const label = parseLabelAction(a);
    if (this.wb.readOnly && (label || Shell.EDITS.has(a))) {
      this.wb.status(this.wb.readOnlyNote);
      return;
    }
    if (label) {
      this.edits.labelAction(label.track, label.value);
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
      case "mark-out": this.edits.markOut(); break;
      case "add-point": this.edits.addPoint(); break;
      case "undo": if (!this.store.undo()) wb.status("Nothing to undo"); break;
      case "redo": if (!this.store.redo()) wb.status("Nothing to redo"); break;
      case "loop": this.edits.toggleLoop(); break;
      case "relation": this.edits.startRelation(); break;
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
      case "rate-down":
      case "rate-up":
        c.setRate(stepRate(c.rate, a === "rate-up" ? 1 : -1));
        wb.status(`Playback at ${c.rate}×`);
        break;
      case "relations-toggle": this.relations.toggle(); break;
      case "word-edit":
      case "word-split":
      case "word-merge":
        if (!this.transcriptViews.some((v) => v.runAction(a))) wb.status("Pick a word in the transcript first (click it)");
        break;
      default: break;
    }
  }
}
