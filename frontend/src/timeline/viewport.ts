/**
 * Time ↔ pixel mapping of the detail view at one zoom level.
 *
 * `startMs` is the time at pixel 0 and `msPerPx` the zoom. Every horizontally laid out view
 * (waveform, filmstrip, lanes, playhead) maps through the same Viewport so they stay aligned.
 */
export interface ViewportState {
  startMs: number;
  msPerPx: number;
  widthPx: number;
}

/** How the window keeps up with the playhead while playing: continuous scrolling or paging. */
export type FollowMode = "scroll" | "page";

export class Viewport {
  startMs = 0;
  msPerPx = 10;
  widthPx = 1000;
  constructor(
    public durationMs: number,
    public minMsPerPx = 0.25,
  ) {}

  /** Widest zoom: the whole recording fits the width. */
  get maxMsPerPx(): number {
    return Math.max(this.minMsPerPx, this.durationMs / Math.max(1, this.widthPx));
  }

  get endMs(): number {
    return this.startMs + this.widthPx * this.msPerPx;
  }

  timeToPx(ms: number): number {
    return (ms - this.startMs) / this.msPerPx;
  }

  pxToTime(px: number): number {
    return this.startMs + px * this.msPerPx;
  }

  /** Pixel x to an integer ms clamped to the recording. */
  pxToMs(px: number): number {
    return Math.min(this.durationMs, Math.max(0, Math.round(this.pxToTime(px))));
  }

  state(): ViewportState {
    return { startMs: this.startMs, msPerPx: this.msPerPx, widthPx: this.widthPx };
  }

  setWidth(px: number): void {
    this.widthPx = Math.max(1, px);
    this.msPerPx = Math.min(this.msPerPx, this.maxMsPerPx);
    this.clampStart();
  }

  fitAll(): void {
    this.msPerPx = this.maxMsPerPx;
    this.startMs = 0;
  }

  /** Zoom by factor (< 1 zooms in) keeping `anchorMs` under the same pixel. */
  zoomAround(anchorMs: number, factor: number): void {
    const px = this.timeToPx(anchorMs);
    this.setZoom(this.msPerPx * factor, anchorMs, px);
  }

  setZoom(msPerPx: number, anchorMs: number, anchorPx: number): void {
    this.msPerPx = Math.min(this.maxMsPerPx, Math.max(this.minMsPerPx, msPerPx));
    this.startMs = anchorMs - anchorPx * this.msPerPx;
    this.clampStart();
  }

  scrollTo(startMs: number): void {
    this.startMs = startMs;
    this.clampStart();
  }

  /**
   * Keep the playhead visible: when it leaves the window (or nears its right edge), page so it
   * sits at `leadFraction` of the width. Paging instead of continuous scrolling keeps redraws rare.
   * Returns true when the window moved.
   */
  follow(playheadMs: number, leadFraction = 0.1): boolean {
    const span = this.widthPx * this.msPerPx;
    if (playheadMs >= this.startMs && playheadMs <= this.startMs + span * 0.95) return false;
    const before = this.startMs;
    this.startMs = playheadMs - span * leadFraction;
    this.clampStart();
    return this.startMs !== before;
  }

  /**
   * Continuous follow: the window moves with the playhead so it stays at `anchorFraction` of the
   * width (once it has reached that point; near the ends of the recording the window stops at the
   * edge and the playhead moves on). Returns true when the window moved.
   */
  scrollWith(playheadMs: number, anchorFraction = 0.3): boolean {
    const span = this.widthPx * this.msPerPx;
    const before = this.startMs;
    const target = playheadMs - span * anchorFraction;
    // a playhead behind the anchor (after a seek back) or off the window pulls the window along too
    if (target > this.startMs || playheadMs < this.startMs || playheadMs > this.startMs + span) this.startMs = target;
    this.clampStart();
    return this.startMs !== before;
  }

  /** Keep up with the playhead in the given mode (see `follow` and `scrollWith`). */
  track(playheadMs: number, mode: FollowMode): boolean {
    return mode === "scroll" ? this.scrollWith(playheadMs) : this.follow(playheadMs);
  }

  private clampStart(): void {
    const span = this.widthPx * this.msPerPx;
    const maxStart = Math.max(0, this.durationMs - span);
    this.startMs = Math.min(Math.max(0, this.startMs), maxStart);
  }
}
