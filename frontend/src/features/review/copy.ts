import { cloneRegion, type Region } from "../../timeline/types";

/**
 * Copy regions into the gold result with fresh ids, remapping relation ends copied alongside;
 * relations whose ends are not in gold are left out.
 */
export function copyRegions(existing: (id: string) => boolean, newId: () => string, regions: Region[]): Region[] {
  const ids = new Map<string, string>();
  for (const r of regions) ids.set(r.id, newId());
  const out: Region[] = [];
  for (const r of regions) {
    const c = cloneRegion(r);
    c.id = ids.get(r.id) as string;
    delete c.score;
    if (c.from_id !== undefined || c.to_id !== undefined) {
      const f = c.from_id !== undefined ? ids.get(c.from_id) ?? (existing(c.from_id) ? c.from_id : undefined) : undefined;
      const t = c.to_id !== undefined ? ids.get(c.to_id) ?? (existing(c.to_id) ? c.to_id : undefined) : undefined;
      if (!f || !t) continue;
      c.from_id = f;
      c.to_id = t;
    }
    out.push(c);
  }
  return out;
}
