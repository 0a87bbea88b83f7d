import { ApiError, type ApiClient, type ConflictError } from "../../api/client";
import type { Annotation, Boot } from "../../api/types";
import { clear, h } from "../../dom";
import type { Region } from "../../timeline/types";
import { Autosaver } from "./autosave";
import { Shell, TIMED_KINDS } from "./shell";
import { Suggestions } from "./suggestions";
import type { Lane } from "./workbench";

/** The annotator's view of one task: load, edit, autosave with versions, submit / skip / next. */
export async function mountAnnotate(root: HTMLElement, api: ApiClient, boot: Boot): Promise<Shell> {
  if (boot.taskId === null) throw new Error("TANDEM.taskId is required in annotate mode");
  const task = await api.task(boot.taskId);
  const project = await api.project(boot.projectId ?? task.project);
  const mine = (await api.annotations(task.id)).find((a) => a.annotator?.id === boot.user.id && a.kind !== "gold");
  const annotation: Annotation = mine ?? (await api.createAnnotation(task.id, { regions: [] }));
  const predictions = await api.predictions(task.id).catch(() => []);
  const suggestions = new Suggestions(predictions);

  const saveStatus = h("span", { class: "save-status", testid: "save-status", text: `Saved (version ${annotation.version})` });
  const submitBtn = h("button", { class: "primary", testid: "submit", text: annotation.status === "submitted" ? "Submitted ✓" : "Submit" });
  const skipBtn = h("button", { testid: "skip", text: "Skip" });
  const nextBtn = h("button", { testid: "next-task", text: "Next task →" });

  let shell: Shell;
  const sugActions = (region: Region, editable: boolean): HTMLElement[] => {
    if (editable || !suggestions.get(region.id)) return [];
    return [
      h("button", { class: "primary", testid: "accept-suggestion", text: "Accept (a)", onclick: () => acceptOne(region.id) }),
      h("button", { testid: "reject-suggestion", text: "Reject (x)", onclick: () => rejectOne(region.id) }),
    ];
  };
  const sugSection = (): HTMLElement[] => {
    if (!suggestions.sources.length) return [];
    return [
      h("div", { class: "sp-section", testid: "suggestions" },
        h("h3", { text: "Model suggestions" }),
        h("p", { class: "muted", text: `${suggestions.count} pending from ${suggestions.sources.join(", ")}` }),
        h("div", { class: "sp-actions" },
          h("button", { testid: "accept-all", disabled: !suggestions.count, text: "Accept all", onclick: () => acceptAll() }),
          h("button", { testid: "reject-all", disabled: !suggestions.count, text: "Reject all", onclick: () => rejectAll() }),
        ),
      ),
    ];
  };
  const refreshSuggestions = (): void => {
    shell.side.renderExtra();
    shell.wb.events.emit("redraw", null);
  };
  const acceptOne = (id: string): void => {
    const [nid] = suggestions.accept(shell.store, [id]);
    if (nid) {
      const r = shell.store.get(nid);
      if (r) shell.wb.select({ layer: shell.wb.ownLayer(r.track), id: nid });
    }
    refreshSuggestions();
  };
  const rejectOne = (id: string): void => {
    suggestions.reject([id]);
    shell.wb.select(null);
    refreshSuggestions();
  };
  const acceptAll = (): void => {
    const ids = suggestions.all().map((r) => r.id);
    const n = suggestions.accept(shell.store, ids).length;
    shell.wb.status(`Accepted ${n} suggestion(s)`);
    refreshSuggestions();
  };
  const rejectAll = (): void => {
    suggestions.reject(suggestions.all().map((r) => r.id));
    refreshSuggestions();
  };

  shell = new Shell({
    root,
    api,
    task,
    project,
    result: annotation.result ?? { regions: [] },
    toolbarActions: [saveStatus, skipBtn, submitBtn, nextBtn],
    hooks: { selectionActions: sugActions, sections: sugSection },
    onAction: (a) => {
      const s = shell.wb.selection;
      if ((a === "accept" || a === "reject") && s && !s.layer.editable && suggestions.get(s.id)) {
        if (a === "accept") acceptOne(s.id);
        else rejectOne(s.id);
        return true;
      }
      return a === "accept" || a === "reject";
    },
  });

  const lanes: Lane[] = project.schema.tracks
    .filter((t) => TIMED_KINDS.has(t.kind))
    .map((t) => ({
      key: t.name,
      title: t.name,
      track: t,
      layers: suggestions.tracks().has(t.name) ? [shell.wb.ownLayer(t.name), suggestions.layer(t.name)] : [shell.wb.ownLayer(t.name)],
    }));
  await shell.mount(lanes);

  // autosave, conflicts
  const saver = new Autosaver((result, version, keepalive) => api.saveAnnotation(annotation.id, result, version, keepalive), annotation.version, () => shell.store.result());
  saver.on("state", (e) => {
    saveStatus.textContent = e.message;
    saveStatus.dataset.state = e.state;
  });
  shell.store.on("change", (e) => {
    if (e.label !== "load") saver.touch();
  });
  saver.on("conflict", (e) => showConflict(e.error));
  const showConflict = (err: ConflictError): void => {
    clear(shell.bannerSlot);
    const banner = h(
      "div",
      { class: "conflict-banner", testid: "conflict-banner", role: "alert" },
      h("strong", { text: `Someone else saved this annotation (version ${err.currentVersion}).` }),
      " Your changes are not saved until you choose.",
      h("button", {
        testid: "conflict-reload", text: "Reload their version",
        onclick: () => {
          // `current` is the server's annotation; accept a bare result too
          const cur = err.current as unknown as { result?: { regions: Region[] }; regions?: Region[] } | null;
          const result = cur?.result ?? (cur?.regions ? { regions: cur.regions } : null);
          if (result) shell.store.reset(result);
          saver.takeTheirs(err.currentVersion);
          clear(shell.bannerSlot);
        },
      }),
      h("button", {
        testid: "conflict-keep", class: "danger", text: "Keep mine and overwrite",
        onclick: async () => {
          clear(shell.bannerSlot);
          await saver.overwrite(err.currentVersion);
        },
      }),
    );
    shell.bannerSlot.append(banner);
  };
  window.addEventListener("beforeunload", (e) => {
    if (saver.hasUnsaved) {
      void saver.flush(true);
      e.preventDefault();
    }
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") void saver.flush(true);
  });

  const fail = (e: unknown): void => shell.wb.status(e instanceof ApiError ? e.detail : String(e));
  const goNext = async (): Promise<void> => {
    const next = await api.next(project.id);
    if (next) window.location.assign(`/tasks/${next.id}/annotate/`);
    else shell.wb.status("No more tasks in the queue");
  };
  submitBtn.addEventListener("click", async () => {
    try {
      await saver.flush();
      if (saver.state === "conflict") return;
      const a = await api.submitAnnotation(annotation.id, saver.version);
      annotation.status = a?.status ?? "submitted";
      submitBtn.textContent = "Submitted ✓";
      shell.wb.status("Submitted");
    } catch (e) {
      fail(e);
    }
  });
  skipBtn.addEventListener("click", async () => {
    try {
      await saver.flush();
      await api.skip(task.id);
      await goNext();
    } catch (e) {
      fail(e);
    }
  });
  nextBtn.addEventListener("click", async () => {
    try {
      await saver.flush();
      await goNext();
    } catch (e) {
      fail(e);
    }
  });

  Object.assign(window, {
    tandemEditor: {
      clock: shell.clock,
      store: shell.store,
      workbench: shell.wb,
      shell,
      saver,
      annotationId: annotation.id,
      get version() {
        return saver.version;
      },
      get result() {
        return shell.store.result();
      },
    },
  });
  return shell;
}
