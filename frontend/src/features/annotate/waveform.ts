/**
 * Waveform display with peaks.js, fed the server's precomputed peaks (never decoded here):
 * the JSON is fetched through the API client (same-origin session) and handed over as `waveformData`.
 *
 * Only the level the current zoom needs is fetched (the coarsest one still as fine as the
 * screen, see timeline/waveformlevels.ts), and swapped with `setSource` when the zoom moves past it,
 * so a three-hour recording opens with kilobytes of peaks instead of megabytes.
 *
 * peaks.js fits the single-clock design through its external `player` option: the adapter below
 * reads and seeks the one Clock, so peaks keeps no time of its own. The zoom view does not scroll
 * or zoom by itself either: it follows the shared Viewport. Below the finest precomputed level
 * (finer than peaks can draw) the zoom view renders a narrower window at the finest level and is
 * stretched horizontally with a CSS transform, so it stays aligned with the lanes down to single
 * frames; the same stretch covers the moment while a finer level is on its way.
 */
import Peaks, { type PeaksInstance, type PlayerAdapter, type WaveformZoomView } from "peaks.js";
import { h } from "../../dom";
import type { ApiClient } from "../../api/client";
import type { Asset, WaveformJson } from "../../api/types";
import { levelFor, samplesPerPixel } from "../../timeline/waveformlevels";
import type { Workbench } from "./workbench";

export interface WaveformSource {
  asset: Asset;
  offsetMs: number;
}

/** The peaks.js player adapter bound to the clock (times in asset seconds: timeline minus offset). */
export function clockPlayerAdapter(wb: Workbench, offsetMs: number): PlayerAdapter & { setSource: () => Promise<void> } {
  let unsubs: (() => void)[] = [];
  let last = -Infinity;
  return {
    init(em) {
      unsubs = [
        wb.clock.on("time", (e) => {
          const s = (e.timeMs - offsetMs) / 1000;
          // our own playhead spans the lanes; peaks only moves its overview marker, 15 times a second is plenty
          const now = performance.now();
          if (!e.seeking && now - last < 66) return;
          last = now;
          em.emit("player.timeupdate", s);
          if (e.seeking) em.emit("player.seeked", s);
        }),
        wb.clock.on("play", (e) => em.emit("player.playing", (e.timeMs - offsetMs) / 1000)),
        wb.clock.on("pause", (e) => em.emit("player.pause", (e.timeMs - offsetMs) / 1000)),
      ];
      em.emit("player.canplay");
      return Promise.resolve();
    },
    destroy() {
      unsubs.forEach((u) => u());
    },
    play() {
      wb.clock.play();
      return Promise.resolve();
    },
    pause() {
      wb.clock.pause();
    },
    isPlaying: () => wb.clock.playing,
    isSeeking: () => false,
    getCurrentTime: () => Math.max(0, (wb.clock.timeMs - offsetMs) / 1000),
    getDuration: () => wb.clock.durationMs / 1000,
    // peaks.setSource swaps waveform levels only; the media stays with the clock's elements
    setSource: () => Promise.resolve(),
    seek(s) {
      wb.clock.seek(Math.round(s * 1000 + offsetMs));
    },
  };
}

/** Where a stream's overview sits in the row, in % of the item: from its offset, for its share of the duration. */
export function overviewBox(offsetMs: number, assetMs: number, totalMs: number): { leftPct: number; widthPct: number } {
  const total = Math.max(1, totalMs);
  const leftPct = Math.min(100, Math.max(0, (offsetMs / total) * 100));
  return { leftPct, widthPct: Math.min(100 - leftPct, (assetMs / total) * 100) };
}

/** The sample rate the server probed for the asset's audio, when it says. */
function probedSampleRate(asset: Asset): number | null {
  const streams = asset.meta?.streams ?? [];
  const audio = streams.find((st) => st.type === "audio" && typeof st.sample_rate === "number" && st.sample_rate > 0);
  return audio?.sample_rate ?? null;
}

export class WaveformView {
  readonly el: HTMLElement;
  readonly overviewEl: HTMLElement;
  private zoomBox: HTMLElement;
  private zoomInner: HTMLElement;
  private peaks: PeaksInstance | null = null;
  private zoomview: WaveformZoomView | null = null;
  private sampleRate: number;
  private levels: number[];
  /** The level peaks.js holds now (samples per pixel). */
  private loaded = 0;
  /** The level being fetched or swapped in, if any. */
  private loading: number | null = null;
  private cache = new Map<number, WaveformJson>();
  private applying = false;
  private zoomKey = "";
  error: string | null = null;

  constructor(
    private wb: Workbench,
    private src: WaveformSource,
    private api: ApiClient,
  ) {
    this.zoomInner = h("div", { class: "wf-inner" });
    this.zoomBox = h("div", { class: "wf-zoom", testid: "waveform" }, this.zoomInner);
    this.overviewEl = h("div", { class: "wf-overview", testid: "waveform-overview" });
    this.el = this.zoomBox;
    this.levels = [...src.asset.waveform_levels].filter((n) => n > 0).sort((a, b) => a - b);
    if (!this.levels.length) this.levels = [256];
    // Without a probed rate, guess high: the first level is then coarse, and corrected once the data tells the rate.
    this.sampleRate = probedSampleRate(src.asset) ?? 48000;
  }

  private wanted(): number {
    return levelFor(this.levels, samplesPerPixel(this.wb.viewport.msPerPx, this.sampleRate));
  }

  private async fetchLevel(level: number): Promise<WaveformJson> {
    const hit = this.cache.get(level);
    if (hit) return hit;
    const json = await this.api.waveform(this.src.asset.waveform_url, level);
    const got = json.samples_per_pixel;
    if (got !== level) {
      // the server answered another level than asked: stop asking for that one
      this.levels = [...new Set([...this.levels.filter((lv) => lv !== level), got])].sort((a, b) => a - b);
    }
    this.cache.set(got, json);
    return json;
  }

  /** Create the peaks.js instance once the containers are in the document, with the level the view needs now. */
  async init(): Promise<void> {
    let json: WaveformJson;
    try {
      json = await this.fetchLevel(this.wanted());
    } catch (e) {
      this.fail(e instanceof Error ? e.message : String(e));
      return;
    }
    const level = json.samples_per_pixel;
    return new Promise((resolve) => {
      Peaks.init(
        {
          zoomview: { container: this.zoomInner, autoScroll: false, wheelMode: "none", playheadColor: "rgba(0,0,0,0)", showPlayheadTime: false, waveformColor: "#7d8ba1" },
          overview: { container: this.overviewEl, playheadColor: "#d62828", waveformColor: "#aab4c3", highlightColor: "#4f8cff" },
          waveformData: { json },
          zoomLevels: [level],
          keyboard: false,
          player: clockPlayerAdapter(this.wb, this.src.offsetMs),
          showAxisLabels: false,
          emitCueEvents: false,
          segmentOptions: { markers: false, overlay: false },
        },
        (err, peaks) => {
          if (err || !peaks) {
            this.fail(err ? err.message : "waveform failed to load");
            resolve();
            return;
          }
          this.peaks = peaks;
          this.loaded = level;
          this.sampleRate = peaks.getWaveformData().sample_rate;
          this.zoomview = peaks.views.getView("zoomview");
          this.zoomview?.enableSeek(true);
          peaks.on("zoomview.update", (e) => {
            if (this.applying) return;
            // the user dragged the waveform: scroll the shared viewport with it
            const startMs = e.startTime * 1000 + this.src.offsetMs;
            if (Math.abs(startMs - this.wb.viewport.startMs) > this.wb.viewport.msPerPx) {
              this.wb.viewport.scrollTo(startMs);
              this.wb.viewportChanged();
            }
          });
          this.wb.events.on("viewport", () => this.sync());
          this.placeOverview(peaks);
          this.sync();
          this.zoomBox.dataset.waveformLevel = String(level);
          this.zoomBox.dataset.waveform = "ready";
          resolve();
        },
      );
    });
  }

  /**
   * The overview spans the whole timeline: its box sits at the stream's offset with the stream's
   * share of the duration (all of the width for a stream as long as the item), and is refitted
   * whenever the box changes size, since peaks.js otherwise keeps the width it had at start and
   * its playhead no longer matches the clock.
   */
  private placeOverview(peaks: PeaksInstance): void {
    const box = overviewBox(this.src.offsetMs, peaks.getWaveformData().duration * 1000, this.wb.clock.durationMs);
    this.overviewEl.style.marginLeft = `${box.leftPct}%`;
    this.overviewEl.style.width = `${box.widthPct}%`;
    let width = -1;
    new ResizeObserver(() => {
      const w = this.overviewEl.clientWidth;
      if (w === width) return;
      width = w;
      peaks.views.getView("overview")?.fitToContainer();
    }).observe(this.overviewEl);
  }

  private fail(message: string): void {
    this.error = message;
    this.zoomBox.dataset.error = message;
    this.zoomBox.dataset.waveform = "error";
    this.zoomBox.append(h("div", { class: "wf-error", text: `Waveform unavailable: ${message}` }));
  }

  /**
   * Bring the level the current zoom needs (finer when zoomed in, coarser when zoomed out so
   * resampling stays cheap); the view keeps drawing the level it has (stretched) meanwhile.
   */
  private async switchTo(level: number): Promise<void> {
    if (this.loading !== null || !this.peaks) return;
    this.loading = level;
    try {
      const json = await this.fetchLevel(level);
      const got = json.samples_per_pixel;
      if (this.wanted() === got && got !== this.loaded && this.peaks) {
        const peaks = this.peaks;
        // zoomLevels is read by setSource at run time, though the typings leave it out
        const options = { waveformData: { json }, zoomLevels: [got] } as Parameters<PeaksInstance["setSource"]>[0];
        await new Promise<void>((resolve, reject) => peaks.setSource(options, (err) => (err ? reject(err) : resolve())));
        this.loaded = got;
        this.zoomBox.dataset.waveformLevel = String(got);
      }
    } catch (e) {
      this.wb.status(`Waveform level ${level} unavailable: ${e instanceof Error ? e.message : String(e)}`);
      this.levels = this.levels.filter((lv) => lv !== level || lv === this.loaded);
    } finally {
      this.loading = null;
    }
    this.sync();
  }

  /** Make the zoom view show exactly the viewport's window. */
  sync(): void {
    const zv = this.zoomview;
    if (!zv || !this.sampleRate || !this.loaded) return;
    const want = this.wanted();
    if (want !== this.loaded) void this.switchTo(want);
    const vp = this.wb.viewport;
    const spp = samplesPerPixel(vp.msPerPx, this.sampleRate);
    this.applying = true;
    try {
      let stretch = 1;
      let scale = Math.round(spp);
      if (spp < this.loaded) {
        stretch = this.loaded / spp;
        scale = this.loaded;
      }
      const innerW = Math.max(10, Math.round(vp.widthPx / stretch));
      if (this.zoomInner.style.width !== `${innerW}px`) {
        this.zoomInner.style.width = `${innerW}px`;
        zv.fitToContainer();
      }
      this.zoomInner.style.transform = stretch === 1 ? "" : `scaleX(${stretch})`;
      // setZoom redraws the whole view: only when the scale or the data changed, not on every scroll
      const key = `${this.loaded}:${scale}:${innerW}`;
      if (key !== this.zoomKey) {
        zv.setZoom({ scale });
        this.zoomKey = key;
      }
      zv.setStartTime(Math.max(0, (vp.startMs - this.src.offsetMs) / 1000));
    } finally {
      this.applying = false;
    }
  }

  destroy(): void {
    this.peaks?.destroy();
  }
}
