import type { Track, TrackKind } from "./types";

/** The kinds the editor draws; a redact track is drawn as one of box, segment or span. */
export type DrawnKind = Exclude<TrackKind, "redact">;

/** What a redaction looks like on each kind of stream. */
const REDACT_SHAPE: Record<string, DrawnKind> = { video: "box", audio: "segment", text: "span" };

/** Stream role → stream kind ("video", "audio", "text") of an item. */
export function streamKindsByRole(streams: readonly { role: string; kind: string }[]): Map<string, string> {
  return new Map(streams.map((s) => [s.role, s.kind]));
}

/**
 * The kind of track the editor draws and edits for `track`: its own kind, except for a redact
 * track, which takes the shape its stream implies (video: box, audio: segment, text: span). A
 * redact track naming no stream (or an unknown one) redacts the item's picture where it has
 * video, else its sound, else its text.
 */
export function drawnKind(track: Track, streamsByRole: ReadonlyMap<string, string>): DrawnKind {
  if (track.kind !== "redact") return track.kind;
  const own = track.stream !== undefined ? REDACT_SHAPE[streamsByRole.get(track.stream) ?? ""] : undefined;
  if (own) return own;
  const kinds = new Set(streamsByRole.values());
  for (const k of ["video", "audio", "text"]) if (kinds.has(k)) return REDACT_SHAPE[k];
  return "segment";
}

/** Is this a redact track (its regions hide part of the media and are drawn as redactions)? */
export function isRedact(track: Track | undefined): boolean {
  return track?.kind === "redact";
}

/** The text shown on a region: its label, marked as a redaction reason on a redact track. */
export function redactionText(track: Track | undefined, label: string | undefined): string {
  if (!isRedact(track)) return label ?? "";
  return `redact · ${label ?? "?"}`;
}
