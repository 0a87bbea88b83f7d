import { ApiError, type ApiClient } from "../../api/client";
import type { Annotation, Boot } from "../../api/types";
import { h } from "../../dom";
import type { Change } from "../../timeline/commands";
import type { Region } from "../../timeline/types";
import { copyRegions } from "./copy";
import { Shell, TIMED_KINDS } from "../annotate/shell";
import type { Lane, Layer } from "../annotate/workbench";

/** Read-only layer of one annotator's version on one track. */
function versionLayer(a: Annotation, track: string): Layer {
  const regions = (a.result?.regions ?? []).filter((r) => r.track === track);
  return {
    key: `ann${a.id}:${track}`,
    style: "other",
    editable: false,
    testidPrefix: `region-${a.annotator.username}-`,
    annotationId: a.id,
    username: a.annotator.username,
    revision: () => 0,
    regions: () => regions,
  };
}

/** The reviewer's adjudication view: every version stacked read-only, a gold lane per track, resolve. */
export async function mountReview(root: HTMLElement, api: ApiClient, boot: Boot): Promise<Shell> {
  if (boot.reviewItemId === null) throw new Error("TANDEM.reviewItemId is required in review mode");
  const item = await api.reviewItem(boot.reviewItemId);
  await api.claim(item.id).catch((e: unknown) => {
    if (!(e instanceof ApiError) || e.status !== 409) throw e;
  });
  const task = await api.task(item.task);
  const project = await api.project(boot.projectId ?? task.project);
  const all = await api.annotations(task.id);
  const versions = all.filter((a) => a.kind !== "gold");
  const gold = all.find((a) => a.kind === "gold");
  const sources = new Set<number>();

  const resolveBtn = h("button", { class: "primary", testid: "resolve", text: "Resolve → gold" });
  const state = h("span", { class: "save-status", testid: "save-status", text: `${item.reason} · ${item.state}` });
  let shell: Shell;

  const copy = (regions: Region[], from: number | undefined, label: string): void => {
    const copies = copyRegions((id) => !!shell.store.get(id), () => shell.store.newId(), regions);
    const changes: Change[] = copies.map((c) => ({ id: c.id, before: null, after: c }));
    shell.store.apply({ label, changes });
    if (from !== undefined && copies.length) sources.add(from);
    shell.wb.status(`Copied ${copies.length} region(s) into gold`);
  };

  shell = new Shell({
    root,
    api,
    task,
    project,
    result: gold?.result ?? { regions: [] },
    toolbarActions: [state, resolveBtn],
    hooks: {
      selectionActions: (region, editable) =>
        editable
          ? []
          : [h("button", {
              class: "primary", testid: "copy-region", text: "Copy to gold (g)",
              onclick: () => copy([region], shell.wb.selection?.layer.annotationId, "copy region"),
            })],
      sections: () => [
        h("div", { class: "sp-section", testid: "versions" },
          h("h3", { text: "Versions" }),
          ...versions.map((a) =>
            h("div", { class: "sp-version" },
              h("span", { text: `${a.annotator.username} · ${a.status} · v${a.version} · ${(a.result?.regions ?? []).length} regions` }),
              h("button", {
                testid: `copy-version-${a.annotator.username}`, text: "Copy all",
                onclick: () => copy(a.result?.regions ?? [], a.id, `copy ${a.annotator.username}`),
              }),
            ),
          ),
          h("p", {
            testid: "review-agreement",
            text: `Task agreement (${item.agreement_measure_label ?? item.agreement_measure ?? "measure"}, all annotators): ${
              item.agreement == null ? "–" : item.agreement.toFixed(3)}`,
          }),
          h("h3", { text: `Conflicts (${item.conflicts.length})` }),
          h("ul", { class: "sp-conflicts" },
            ...item.conflicts.map((c, i) =>
              h("li", { testid: `conflict-${i}` },
                h("button", { class: "link", text: `${c.track} ${c.kind} ${(c.start_ms / 1000).toFixed(2)}–${(c.end_ms / 1000).toFixed(2)} s`, onclick: () => shell.clock.seek(c.start_ms) }),
                ` ${c.annotators.join(", ")}`,
              ),
            ),
          ),
        ),
      ],
    },
    onAction: (a) => {
      const s = shell.wb.selection;
      if (a === "accept" && s && !s.layer.editable) {
        const r = shell.wb.regionOf(s);
        if (r) copy([r], s.layer.annotationId, "copy region");
        return true;
      }
      return false;
    },
  });
  shell.wb.conflicts = item.conflicts ?? [];
  // "g" copies the selected region to gold
  document.addEventListener("keydown", (e) => {
    if (e.key !== "g" || e.ctrlKey || e.metaKey || (e.target instanceof HTMLElement && ["INPUT", "TEXTAREA", "SELECT"].includes(e.target.tagName))) return;
    const s = shell.wb.selection;
    const r = shell.wb.regionOf(s);
    if (s && r && !s.layer.editable) copy([r], s.layer.annotationId, "copy region");
  });

  const lanes: Lane[] = [];
  for (const t of project.schema.tracks.filter((x) => TIMED_KINDS.has(x.kind))) {
    lanes.push({ key: t.name, title: `${t.name} · gold`, track: t, layers: [shell.wb.ownLayer(t.name)] });
    for (const a of versions) {
      lanes.push({ key: `${t.name}-${a.annotator.username}`, title: `${t.name} · ${a.annotator.username}`, track: t, layers: [versionLayer(a, t.name)] });
    }
  }
  await shell.mount(lanes);

  resolveBtn.addEventListener("click", async () => {
    try {
      await api.resolve(item.id, shell.store.result(), [...sources]);
      state.textContent = "Resolved";
      shell.wb.status("Gold saved");
    } catch (e) {
      shell.wb.status(e instanceof ApiError ? e.detail : String(e));
    }
  });

  Object.assign(window, {
    tandemEditor: {
      clock: shell.clock,
      store: shell.store,
      workbench: shell.wb,
      sources,
      get result() {
        return shell.store.result();
      },
    },
  });
  return shell;
}
