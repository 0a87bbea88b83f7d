/**
 * Waveform display with peaks.js, fed the server's precomputed peaks (never decoded here):
 * the JSON is fetched through the API client (same-origin session) and handed over as `waveformData`.
 *
 * peaks.js fits the single-clock design through its external `player` option: the adapter below
 * reads and seeks the one Clock, so peaks keeps no time of its own. The zoom view does not scroll
 * or zoom by itself either: it follows the shared Viewport. Below the finest precomputed level
 * (finer than peaks can draw) the zoom view renders a narrower window at the finest level and is
 * stretched horizontally with a CSS transform, so it stays aligned with the lanes down to single
 * frames.
 */
import Peaks, { type PeaksInstance, type PlayerAdapter, type WaveformZoomView } from "peaks.js";
import { h } from "../../dom";
import type { ApiClient } from "../../api/client";
import type { Asset, WaveformJson } from "../../api/types";
import type { Workbench } from "./workbench";

export interface WaveformSource {
  asset: Asset;
  offsetMs: number;
}

/** The peaks.js player adapter bound to the clock (times in asset seconds: timeline minus offset). */
export function clockPlayerAdapter(wb: Workbench, offsetMs: number): PlayerAdapter {
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
    seek(s) {
      wb.clock.seek(Math.round(s * 1000 + offsetMs));
    },
  };
}

export class WaveformView {
  readonly el: HTMLElement;
  readonly overviewEl: HTMLElement;
  private zoomBox: HTMLElement;
  private zoomInner: HTMLElement;
  private peaks: PeaksInstance | null = null;
  private zoomview: WaveformZoomView | null = null;
  private sampleRate = 0;
  private finest: number;
  private applying = false;
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
    const levels = [...src.asset.waveform_levels].filter((n) => n > 0).sort((a, b) => a - b);
    this.finest = levels[0] ?? 256;
  }

  /** Create the peaks.js instance once the containers are in the document. */
  async init(): Promise<void> {
    const levels = [...this.src.asset.waveform_levels].filter((n) => n > 0).sort((a, b) => a - b);
    let json: WaveformJson;
    try {
      json = await this.api.waveform(this.src.asset.waveform_url, this.finest);
    } catch (e) {
      this.fail(e instanceof Error ? e.message : String(e));
      return;
    }
    return new Promise((resolve) => {
      Peaks.init(
        {
          zoomview: { container: this.zoomInner, autoScroll: false, wheelMode: "none", playheadColor: "rgba(0,0,0,0)", showPlayheadTime: false, waveformColor: "#7d8ba1" },
          overview: { container: this.overviewEl, playheadColor: "#d62828", waveformColor: "#aab4c3", highlightColor: "#4f8cff" },
          waveformData: { json },
          zoomLevels: levels.length ? levels : [this.finest],
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
          this.sync();
          resolve();
        },
      );
    });
  }

  private fail(message: string): void {
    this.error = message;
    this.zoomBox.dataset.error = message;
    this.zoomBox.append(h("div", { class: "wf-error", text: `Waveform unavailable: ${message}` }));
  }

  /** Make the zoom view show exactly the viewport's window. */
  sync(): void {
    const zv = this.zoomview;
    if (!zv || !this.sampleRate) return;
    const vp = this.wb.viewport;
    const spp = (vp.msPerPx * this.sampleRate) / 1000;
    this.applying = true;
    try {
      let stretch = 1;
      let scale = Math.round(spp);
      if (spp < this.finest) {
        stretch = this.finest / spp;
        scale = this.finest;
      }
      const innerW = Math.max(10, Math.round(vp.widthPx / stretch));
      if (this.zoomInner.style.width !== `${innerW}px`) {
        this.zoomInner.style.width = `${innerW}px`;
        zv.fitToContainer();
      }
      this.zoomInner.style.transform = stretch === 1 ? "" : `scaleX(${stretch})`;
      zv.setZoom({ scale });
      zv.setStartTime(Math.max(0, (vp.startMs - this.src.offsetMs) / 1000));
    } finally {
      this.applying = false;
    }
  }

  destroy(): void {
    this.peaks?.destroy();
  }
}
