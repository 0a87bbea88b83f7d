import type { Prediction } from "../../api/types";
import type { RegionStore } from "../../timeline/commands";
import { cloneRegion, type Region } from "../../timeline/types";
import type { Change } from "../../timeline/commands";
import type { Layer } from "./workbench";

/**
 * Model suggestions from /predictions/: shown in their own (hatched) layer per track until the
 * annotator accepts (copied into the annotation with `source` = {model, version}) or rejects them.
 */
export class Suggestions {
  private items = new Map<string, { region: Region; source: { model: string; version: string } }>();
  private layers = new Map<string, Layer>();
  /** Suggestion id → id of its accepted copy (to map relation ends). */
  private accepted = new Map<string, string>();
  revision = 0;
  /**
   * "model version" of each prediction that suggested at least one region. A pre-labeler that
   * failed on this task, or found nothing, is not a source of suggestions and is not named.
   */
  readonly sources: string[];

  constructor(predictions: Prediction[]) {
    this.sources = [...new Set(predictions.filter((p) => (p.result?.regions ?? []).length > 0)
      .map((p) => `${p.model} ${p.model_version}`))];
    for (const p of predictions) {
      for (const r of p.result?.regions ?? []) {
        const id = `p${p.id}-${r.id}`;
        const region = { ...cloneRegion(r), id };
        if (region.from_id) region.from_id = `p${p.id}-${region.from_id}`;
        if (region.to_id) region.to_id = `p${p.id}-${region.to_id}`;
        if (typeof region.score !== "number" && typeof p.score === "number") region.score = p.score;
        this.items.set(id, { region, source: { model: p.model, version: p.model_version } });
      }
    }
  }

  get count(): number {
    return this.items.size;
  }

  all(): Region[] {
    return [...this.items.values()].map((i) => i.region);
  }

  get(id: string): Region | undefined {
    return this.items.get(id)?.region;
  }

  tracks(): Set<string> {
    return new Set(this.all().map((r) => r.track));
  }

  layer(track: string): Layer {
    let l = this.layers.get(track);
    if (!l) {
      let cache: { rev: number; regions: Region[] } = { rev: -1, regions: [] };
      l = {
        key: `sugg:${track}`,
        style: "suggestion",
        editable: false,
        testidPrefix: "suggestion-",
        revision: () => this.revision,
        regions: () => {
          if (cache.rev !== this.revision) cache = { rev: this.revision, regions: this.all().filter((r) => r.track === track) };
          return cache.regions;
        },
      };
      this.layers.set(track, l);
    }
    return l;
  }

  /** Copy suggestions into the store as one undo step; returns the new ids. */
  accept(store: RegionStore, ids: string[]): string[] {
    const changes: Change[] = [];
    const fresh: string[] = [];
    for (const id of ids) {
      if (this.items.has(id)) this.accepted.set(id, store.newId());
    }
    for (const id of ids) {
      const item = this.items.get(id);
      if (!item) continue;
      const copy = cloneRegion(item.region);
      copy.id = this.accepted.get(id) as string;
      delete copy.score;
      delete copy.method;
      copy.source = { ...item.source };
      if (copy.from_id) copy.from_id = this.accepted.get(copy.from_id) ?? copy.from_id;
      if (copy.to_id) copy.to_id = this.accepted.get(copy.to_id) ?? copy.to_id;
      if ((copy.from_id && !store.get(copy.from_id) && !fresh.includes(copy.from_id) && !ids.some((x) => this.accepted.get(x) === copy.from_id)) ||
          (copy.to_id && !store.get(copy.to_id) && !ids.some((x) => this.accepted.get(x) === copy.to_id))) {
        continue; // a relation whose ends are not in the annotation
      }
      changes.push({ id: copy.id, before: null, after: copy });
      fresh.push(copy.id);
      this.items.delete(id);
    }
    store.apply({ label: ids.length > 1 ? "accept all" : "accept", changes });
    this.revision++;
    return fresh;
  }

  reject(ids: string[]): void {
    for (const id of ids) this.items.delete(id);
    this.revision++;
  }
}
