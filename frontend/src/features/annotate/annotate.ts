import { ApiError, type ApiClient, type ConflictError } from "../../api/client";
import type { Annotation, Boot } from "../../api/types";
import { clear, h } from "../../dom";
import type { Region } from "../../timeline/types";
import { Autosaver } from "./autosave";
import { describeConflict } from "./conflict";
import { reopenControl } from "./reopen";
import { Shell, TIMED_KINDS } from "./shell";
import { Suggestions } from "./suggestions";
import type { Lane } from "./workbench";

/** The annotator's view of one task: load, edit, autosave with versions, submit / skip / next. */
export async function mountAnnotate(root: HTMLElement, api: ApiClient, boot: Boot): Promise<Shell> {
  if (boot.taskId === null) throw new Error("TANDEM.taskId is required in annotate mode");
  const task = await api.task(boot.taskId);
  const project = await api.project(boot.projectId ?? task.project);
  const mine = (await api.annotations(task.id)).find((a) => a.annotator?.id === boot.user.id && a.kind !== "gold");
  // Someone who does not hold the task (a reviewer, a manager, an annotator whose slot went to
  // another) still sees it: media, suggestions and the reason, with every tool off.
  let refusal: string | null = null;
  const annotation: Annotation =
    mine ??
    (await api.createAnnotation(task.id, { regions: [] }).catch((e: unknown) => {
      if (!(e instanceof ApiError) || (e.status !== 403 && e.status !== 409)) throw e;
      refusal = e.detail;
      const nobody = { id: boot.user.id, username: boot.user.username };
      return { id: 0, task: task.id, annotator: nobody, kind: "human", status: "view", version: 0, result: { regions: [] }, updated_at: "" };
    }));
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
    onSave: () => void saveNow(),
  });

  const lanes: Lane[] = project.schema.tracks
    .filter((t) => TIMED_KINDS.has(shell.wb.kindOf(t)))
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
  const reloadPage = (): void => window.location.reload();
  const showConflict = (err: ConflictError): void => {
    clear(shell.bannerSlot);
    const view = describeConflict(err, boot.user.username);
    if (view.kind === "submitted") {
      // nothing can be written any more: stop autosave and the tools before saying so
      saver.close("Not saved: submitted");
      shell.wb.setReadOnly(view.title);
      submitBtn.textContent = "Submitted ✓";
      submitBtn.disabled = true;
      root.classList.add("read-only");
    }
    const lost = view.kind === "submitted" ? " Your last changes were not saved; reload to see the submitted version." : " Your changes are not saved until you choose.";
    const buttons: Record<(typeof view.choices)[number], HTMLElement> = {
      "take-theirs": h("button", {
        testid: "conflict-reload", text: "Load the newer version",
        onclick: () => {
          if (view.theirs) shell.store.reset(view.theirs);
          saver.takeTheirs(err.currentVersion);
          clear(shell.bannerSlot);
        },
      }),
      "keep-mine": h("button", {
        testid: "conflict-keep", class: "danger", text: "Keep mine and overwrite",
        onclick: async () => {
          clear(shell.bannerSlot);
          await saver.overwrite(err.currentVersion);
        },
      }),
      "reload-page": h("button", { testid: "conflict-reload-page", text: "Reload", onclick: reloadPage }),
    };
    const banner = h(
      "div",
      { class: "conflict-banner", testid: "conflict-banner", role: "alert", "data-kind": view.kind },
      h("strong", { text: view.title }),
      lost,
      ...view.choices.map((c) => buttons[c]),
    );
    shell.bannerSlot.append(banner);
  };
  /** Submitted: shown as it is, with tools off and autosave stopped, and a banner that says so. */
  const readOnly = (version: number): void => {
    const why = `This annotation is submitted (version ${version}); it is read-only.`;
    saver.close("Submitted: read-only");
    shell.wb.setReadOnly(why);
    root.classList.add("read-only");
    submitBtn.disabled = true;
    submitBtn.textContent = "Submitted ✓";
    clear(shell.bannerSlot);
    const banner = h("div", { class: "readonly-banner", testid: "readonly-banner", role: "status" }, h("strong", { text: why }), " Your work is with the reviewers; pick the next task to go on.");
    if (project.allow_reopen) banner.append(" ", reopenControl({ api, annotationId: annotation.id, onReopened: editable }));
    shell.bannerSlot.append(banner);
  };
  /** Reopened by its author: a draft again, editable and autosaved from the new version. */
  const editable = (a: Annotation): void => {
    annotation.status = a.status;
    saver.reopen(a.version);
    shell.wb.setEditable();
    root.classList.remove("read-only");
    submitBtn.disabled = false;
    submitBtn.textContent = "Submit";
    clear(shell.bannerSlot);
    shell.wb.status(`Reopened: a draft again (version ${a.version})`);
  };
  /** Not this user's to label: shown with every tool off, the server's reason, and a way on. */
  const viewOnly = (reason: string): void => {
    saver.close("View only");
    shell.wb.setReadOnly(reason, "View only: you do not hold this task");
    root.classList.add("read-only");
    submitBtn.disabled = true;
    skipBtn.disabled = true;
    saveStatus.textContent = "View only";
    const banner = h("div", { class: "readonly-banner", testid: "view-only-banner", role: "status" }, h("strong", { text: "View only: " }), reason, " ");
    banner.append(h("a", { href: `/projects/${project.id}/`, text: "Back to the project" }));
    shell.bannerSlot.append(banner);
  };
  if (refusal !== null) viewOnly(refusal);
  else if (annotation.status === "submitted") readOnly(annotation.version);
  // A reviewer sent this task back: their note stays in view while it is a draft again.
  const reviewNote = (annotation as Annotation & { review_note?: string }).review_note;
  if (annotation.status === "draft" && reviewNote) {
    shell.bannerSlot.append(h("div", { class: "readonly-banner", testid: "review-note-banner", role: "status" }, h("strong", { text: "Sent back by a reviewer: " }), reviewNote));
  }
  const saveNow = async (): Promise<void> => {
    if (saver.state === "closed") return shell.wb.status("This annotation is submitted: nothing to save");
    if (saver.state === "conflict") return shell.wb.status("Resolve the conflict above first");
    const sent = await saver.saveNow();
    shell.wb.status(sent ? `Saved (version ${saver.version})` : saver.state === "saved" ? `Nothing to save: version ${saver.version} holds every change` : saver.message);
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
      readOnly(a?.version ?? saver.version + 1);
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
