import type { RegionBrief, ReviewConflict } from "./api";

const secs = (ms: number | undefined): string => ((ms ?? 0) / 1000).toFixed(2);

/** A region as a person names it: label and quoted text, or label and time. */
export function regionName(r: RegionBrief | undefined): string {
  if (!r) return "?";
  const label = r.label ?? r.track;
  if (r.text) return `${label} «${r.text}»`;
  if (typeof r.start_ms === "number") return `${label} @ ${secs(r.start_ms)} s`;
  if (typeof r.time_ms === "number") return `${label} @ ${secs(r.time_ms)} s`;
  return label;
}

function labelsText(labels: Record<string, string | null> | undefined): string {
  if (!labels) return "";
  return Object.entries(labels)
    .map(([who, lab]) => `${who}: ${lab ?? "—"}`)
    .join(", ");
}

/** The track kind of a conflict (items stored before other kinds had conflicts hold segment ones). */
export function conflictKind(c: ReviewConflict): string {
  return c.track_kind ?? "segment";
}

/** One line per conflict, whatever its track kind: where it is and who said what. */
export function describeConflict(c: ReviewConflict): string {
  switch (conflictKind(c)) {
    case "span":
      return `${c.track} ${c.kind} «${c.text ?? ""}» (characters ${c.start_char}–${c.end_char}) · ${labelsText(c.labels)}`;
    case "relation":
      return `${c.track} ${c.kind} ${regionName(c.from)} → ${regionName(c.to)} · ${labelsText(c.labels)}`;
    case "box": {
      const iou = typeof c.min_iou === "number" ? ` · lowest IoU ${c.min_iou.toFixed(2)}` : "";
      return `${c.track} ${c.kind} ${secs(c.start_ms)}–${secs(c.end_ms)} s${iou} · ${c.annotators.join(", ")}`;
    }
    case "transcript": {
      const parts = Object.entries(c.wer ?? {}).map(([who, w]) => {
        const edits = (c.edits?.[who] ?? []).map((e) => (e.op === "substitute" ? `${e.ref}→${e.hyp}` : e.op === "insert" ? `+${e.hyp}` : `−${e.ref}`));
        return `${who} WER ${w.toFixed(2)}${edits.length ? ` (${edits.join(", ")})` : ""}`;
      });
      return `${c.track} words ${secs(c.start_ms)}–${secs(c.end_ms)} s · against ${c.reference ?? "?"}: ${parts.join("; ")}`;
    }
    default:
      return `${c.track} ${c.kind} ${secs(c.start_ms)}–${secs(c.end_ms)} s · ${labelsText(c.labels) || c.annotators.join(", ")}`;
  }
}

/** Where a click on a conflict takes the reviewer: a time to seek to, or characters to show. */
export function conflictTarget(c: ReviewConflict): { seekMs?: number; chars?: [number, number] } {
  if (typeof c.start_char === "number" && typeof c.end_char === "number") return { chars: [c.start_char, c.end_char] };
  if (c.from && typeof c.from.start_char === "number" && typeof c.from.end_char === "number") return { chars: [c.from.start_char, c.from.end_char] };
  const t = c.start_ms ?? c.from?.start_ms ?? c.from?.time_ms;
  return typeof t === "number" ? { seekMs: t } : {};
}
