import type { ApiClient } from "../../api/client";
import type { ReviewItem } from "../../api/types";

/** A region as a conflict names it: its track, label and the text or time it covers (never its id). */
export interface RegionBrief {
  track: string;
  label?: string | null;
  text?: string;
  start_char?: number;
  end_char?: number;
  start_ms?: number;
  end_ms?: number;
  time_ms?: number;
}

interface WordEdit {
  op: string;
  ref: string;
  hyp: string;
}

/** One disagreement of the stored conflict list (qa/metrics/conflicts.py), any track kind. */
export interface ReviewConflict {
  track: string;
  /** Absent on items queued before every kind had conflicts: those are segment conflicts. */
  track_kind?: string;
  kind: string;
  annotators: string[];
  labels?: Record<string, string | null>;
  start_ms?: number;
  end_ms?: number;
  start_char?: number;
  end_char?: number;
  text?: string;
  from?: RegionBrief;
  to?: RegionBrief;
  min_iou?: number | null;
  reference?: string;
  texts?: Record<string, string>;
  wer?: Record<string, number>;
  edits?: Record<string, WordEdit[]>;
}

export interface ReviewDetail extends Omit<ReviewItem, "conflicts"> {
  conflicts: ReviewConflict[];
  project_id_cache: number;
  resolved_by?: { username: string } | null;
  resolved_at?: string | null;
  gold?: number | null;
  decision?: { returned?: { by: string; at: string; note: string } } & Record<string, unknown>;
}

export function reviewDetail(api: ApiClient, id: number): Promise<ReviewDetail> {
  return api.request("GET", `review-items/${id}/`);
}

/** Return the task to its annotators with a note (the caller holds the claim). */
export function sendBack(api: ApiClient, id: number, note: string): Promise<ReviewDetail> {
  return api.request("POST", `review-items/${id}/send-back/`, { note });
}

/** Claim the oldest queued item of the project; null when the queue is empty. */
export function claimNext(api: ApiClient, projectId: number): Promise<ReviewDetail | null> {
  return api.request("POST", `projects/${projectId}/review-queue/next/`);
}
