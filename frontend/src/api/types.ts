/** Shapes of the server's answers the editor reads (docs/architecture.md, "What the editor reads and writes"). */
import type { Result, Schema } from "../timeline/types";

export interface Boot {
  mode: "annotate" | "review";
  taskId: number | null;
  reviewItemId: number | null;
  projectId: number | null;
  apiBase: string;
  csrfToken: string;
  user: { id: number; username: string; role: string };
}

export interface Asset {
  id: number;
  kind: string;
  status: string;
  error?: string | null;
  progress?: number | null;
  duration_ms: number | null;
  fps: number | null;
  width: number | null;
  height: number | null;
  waveform_levels: number[];
  /** Probe metadata; the waveform reads the audio stream's sample rate. */
  meta?: { streams?: { type?: string; sample_rate?: number | null }[] } | null;
  media_url: string;
  waveform_url: string;
  shots_url: string;
  frames_url: string;
}

export interface Stream {
  id: number;
  role: string;
  kind: "video" | "audio" | "text" | string;
  offset_ms: number;
  asset: Asset;
  text?: string;
}

export interface Task {
  id: number;
  project: number;
  status: string;
  item: { id: number; external_id: string; duration_ms: number; provenance?: unknown; streams: Stream[] };
}

export interface Project {
  id: number;
  name: string;
  instructions: string;
  schema: Schema;
  overlap: number;
  agreement_threshold: number;
  role: string;
  counts?: unknown;
  /** May an annotator reopen their own submitted work (until review begins)? */
  allow_reopen?: boolean;
}

export interface Annotation {
  id: number;
  task: number;
  annotator: { id: number; username: string };
  kind: "human" | "gold" | string;
  status: "draft" | "submitted" | string;
  version: number;
  result: Result;
  updated_at: string;
}

export interface Prediction {
  id: number;
  model: string;
  model_version: string;
  score: number | null;
  result: Result;
}

export interface Shots {
  shots: { start_ms: number; end_ms: number; thumb_url: string }[];
  keyframes_ms: number[];
  filmstrips: {
    interval_ms: number;
    tile_width: number;
    tile_height: number;
    columns: number;
    rows: number;
    count: number;
    sprites: string[];
  }[];
}

export interface Frames {
  fps: number;
  timestamps_ms: number[];
}

export interface Conflict {
  track: string;
  start_ms: number;
  end_ms: number;
  kind: string;
  annotators: string[];
}

export interface ReviewItem {
  id: number;
  task: number;
  reason: string;
  state: string;
  claimed_by: unknown;
  claim_expires_at: string | null;
  conflicts: Conflict[];
  /** The task's figure of the project's agreement measure (null until computed). */
  agreement?: number | null;
  agreement_measure?: string;
  agreement_measure_label?: string;
  conflict_count?: number;
}

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/** waveform-data.js JSON (audiowaveform format, version 2). */
export interface WaveformJson {
  version: number;
  channels: number;
  sample_rate: number;
  samples_per_pixel: number;
  bits: number;
  length: number;
  data: number[];
}
