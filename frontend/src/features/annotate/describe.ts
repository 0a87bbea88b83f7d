import { formatMs } from "../../dom";
import type { Region } from "../../timeline/types";

/**
 * How a region is named to people: its label, or its text (quoted, shortened), with its track and
 * where it is; never its internal id alone.
 */
export function describeRegion(r: Region | undefined): string {
  if (!r) return "(deleted region)";
  const text = (r.text ?? "").trim();
  const quoted = text ? `“${text.length > 28 ? `${text.slice(0, 27)}…` : text}”` : "";
  const name = r.label && quoted ? `${r.label} ${quoted}` : r.label || quoted || "(unlabeled)";
  let where = "";
  if (typeof r.start_ms === "number") where = ` ${formatMs(r.start_ms)}`;
  else if (typeof r.time_ms === "number") where = ` ${formatMs(r.time_ms)}`;
  else if (typeof r.start_char === "number") where = ` @${r.start_char}`;
  return `${name} (${r.track}${where})`;
}
