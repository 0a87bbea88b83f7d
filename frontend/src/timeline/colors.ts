import type { Track } from "./types";

const PALETTE = ["#4f8cff", "#f08c2e", "#2eb872", "#d94f70", "#8a63d2", "#1fa5b8", "#c9a227", "#6b7a90"];

/** The color of a label: the schema's, else a stable palette color by position. */
export function labelColor(track: Track, value: string | undefined): string {
  const labels = track.labels ?? [];
  const i = labels.findIndex((l) => l.value === value);
  if (i >= 0 && labels[i].color) return labels[i].color as string;
  return PALETTE[(i >= 0 ? i : 0) % PALETTE.length];
}
