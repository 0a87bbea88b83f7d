/** Shared shapes of the label schema and the annotation result (docs/architecture.md, "Contracts"). */

export type TrackKind = "segment" | "point" | "transcript" | "span" | "box" | "relation" | "redact";
type AttributeType = "text" | "number" | "bool" | "choice";
/** How regions of one track may overlap: freely, never, or never with the same label. */
export type OverlapRule = "allow" | "none" | "same-label";

interface Label {
  value: string;
  color?: string;
  hotkey?: string;
}

interface AttributeSpec {
  name: string;
  type: AttributeType;
  choices?: string[];
}

export interface Track {
  name: string;
  kind: TrackKind;
  stream?: string;
  labels?: Label[];
  attributes?: AttributeSpec[];
  overlap?: OverlapRule;
}

export interface Schema {
  tracks: Track[];
}

export interface Keyframe {
  time_ms: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

interface Source {
  model: string;
  version: string;
}

export type AttributeValue = string | number | boolean | null;

/** One timed word of a transcript segment (integer ms inside the segment). */
export interface Word {
  text: string;
  start_ms: number;
  end_ms: number;
}

export interface Region {
  id: string;
  track: string;
  label?: string;
  start_ms?: number;
  end_ms?: number;
  time_ms?: number;
  text?: string;
  /** Word timings of a transcript segment; their texts joined by spaces are its `text`. */
  words?: Word[];
  start_char?: number;
  end_char?: number;
  keyframes?: Keyframe[];
  from_id?: string;
  to_id?: string;
  attributes?: Record<string, AttributeValue>;
  score?: number;
  /** How a pre-labeler placed it (align: aligned, interpolated, estimated); suggestions only. */
  method?: string;
  source?: Source;
}

export interface Result {
  regions: Region[];
}

/** The time extent of a region on the item timeline, or null for regions that have none (spans, relations). */
export function regionExtent(r: Region): [number, number] | null {
  if (typeof r.start_ms === "number" && typeof r.end_ms === "number") return [r.start_ms, r.end_ms];
  if (typeof r.time_ms === "number") return [r.time_ms, r.time_ms];
  if (r.keyframes && r.keyframes.length > 0) {
    return [r.keyframes[0].time_ms, r.keyframes[r.keyframes.length - 1].time_ms];
  }
  return null;
}

/** Deep copy of a region (regions are plain JSON). */
export function cloneRegion(r: Region): Region {
  return JSON.parse(JSON.stringify(r)) as Region;
}
