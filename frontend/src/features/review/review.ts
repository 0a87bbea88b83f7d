import { ApiError, type ApiClient } from "../../api/client";
import type { Annotation, Boot } from "../../api/types";
import { clear, h } from "../../dom";
import type { Change } from "../../timeline/commands";
import type { Region, Track } from "../../timeline/types";
import { claimNext, reviewDetail, sendBack, type ReviewDetail } from "./api";
import { VersionBoxes } from "./boxes";
import { conflictKind, conflictTarget, describeConflict } from "./conflicts";
import { copyRegions } from "./copy";
import { ask } from "./dialog";
import { initialCollapsed, lanePlan } from "./lanes";
import { VersionsView } from "./versions";
import { Shell, TIMED_KINDS } from "../annotate/shell";
import { drawnKind, streamKindsByRole } from "../../timeline/drawnkind";
import type { Lane, Layer } from "../annotate/workbench";

/** The keys the review view adds; every other key is the editor's (one action per key). */
const REVIEW_KEYS: readonly { key: string; does: string }[] = [
  { key: "a", does: "copy the selected region of a version into gold" },
];

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

/** Why the item opens read-only, or null when this reviewer may work on it. */
function readOnlyReason(item: ReviewDetail): string | null {
  if (item.state === "resolved") {
    const by = item.resolved_by?.username ?? "a reviewer";
    const at = item.resolved_at ? new Date(item.resolved_at).toLocaleString() : "";
    return `Resolved by ${by}${at ? ` on ${at}` : ""}: the gold is final here and this view is read-only.`;
  }
  if (item.state === "returned") {
    const back = item.decision?.returned;
    return `Sent back to the annotators${back ? ` by ${back.by}: “${back.note}”` : ""}. Read-only until they resubmit.`;
  }
  return null;
}

/**
 * The reviewer's adjudication view: every annotator's version of every track (lanes grouped by
 * track, spans, relations and words beside the media, boxes on the video), the conflicts of every
 * kind, a gold lane per track, and the loop: resolve (confirming open conflicts) or send back with
 * a note, then the next queued item.
 */
export async function mountReview(root: HTMLElement, api: ApiClient, boot: Boot): Promise<Shell> {
  if (boot.reviewItemId === null) throw new Error("TANDEM.reviewItemId is required in review mode");
  let item = await reviewDetail(api, boot.reviewItemId);
  let locked = readOnlyReason(item);
  if (!locked) {
    try {
      item = (await api.claim(item.id)) as ReviewDetail;
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 409) throw e;
      locked = `${e.detail} Read-only while someone else holds it.`;
    }
  }
  const task = await api.task(item.task);
  const project = await api.project(boot.projectId ?? task.project);
  const all = await api.annotations(task.id);
  const versions = all.filter((a) => a.kind !== "gold");
  const gold = all.find((a) => a.kind === "gold");
  const sources = new Set<number>();
  const settled = new Set<number>();
  const names = versions.map((a) => a.annotator.username);
  const streamKinds = streamKindsByRole(task.item.streams);
  const timed = project.schema.tracks.filter((x) => TIMED_KINDS.has(drawnKind(x, streamKinds)));
  const used = new Set(versions.flatMap((a) => (a.result?.regions ?? []).map((r) => r.track)));
  const collapsed = initialCollapsed(timed, versions.length, new Set(item.conflicts.map((c) => c.track)), used);
  const texts = task.item.streams.filter((s) => s.kind === "text");
  const versionsView = new VersionsView(project.schema, versions, texts);

  const resolveBtn = h("button", { class: "primary", testid: "resolve", text: "Resolve → gold" });
  const sendBackBtn = h("button", { testid: "send-back", text: "Send back…", title: "Return the task to its annotators with a note" });
  const nextBtn = h("button", { class: "primary", testid: "next-item", text: "Next item →" });
  const state = h("span", { class: "save-status", testid: "save-status", text: `${item.reason} · ${item.state}` });
  let shell: Shell;

  const copy = (regions: Region[], from: number | undefined, label: string): void => {
    if (shell.wb.readOnly) return shell.wb.status("This item is read-only");
    const copies = copyRegions((id) => !!shell.store.get(id), () => shell.store.newId(), regions);
    const changes: Change[] = copies.map((c) => ({ id: c.id, before: null, after: c }));
    shell.store.apply({ label, changes });
    if (from !== undefined && copies.length) sources.add(from);
    shell.wb.status(`Copied ${copies.length} region(s) into gold`);
  };

  const lanesFor = (): Lane[] =>
    lanePlan(timed, names, collapsed).map((row) => {
      const t = timed.find((x) => x.name === row.track) as Track;
      if (row.annotator === null) {
        const hidden = collapsed.has(t.name) && versions.length ? ` (${versions.length} versions folded)` : "";
        return { key: t.name, title: `${t.name} · gold${hidden}`, track: t, layers: [shell.wb.ownLayer(t.name)] };
      }
      const a = versions.find((v) => v.annotator.username === row.annotator) as Annotation;
      return { key: `${t.name}-${row.annotator}`, title: `${t.name} · ${row.annotator}`, track: t, layers: [versionLayer(a, t.name)] };
    });

  const tracksSection = h("div", { class: "sp-section", testid: "track-groups" });
  const renderTracks = (): void => {
    clear(tracksSection);
    tracksSection.append(h("h3", { text: "Tracks" }), ...timed.map((t) => {
      const open = !collapsed.has(t.name);
      return h("button", {
        class: "link rv-track-toggle", testid: `track-toggle-${t.name}`, "aria-expanded": open ? "true" : "false",
        text: `${open ? "▾" : "▸"} ${t.name} · gold + ${versions.length} version(s)`,
        onclick: () => setCollapsed(t.name, open),
      });
    }));
  };
  const setCollapsed = (track: string, fold: boolean): void => {
    if (fold) collapsed.add(track);
    else collapsed.delete(track);
    shell.lanesView.setLanes(lanesFor());
    renderTracks();
  };
  renderTracks();

  const conflictList = h("ul", { class: "sp-conflicts" }, ...item.conflicts.map((c, i) => {
    const done = h("input", { type: "checkbox", testid: `conflict-settled-${i}`, title: "Settled" });
    done.addEventListener("change", () => (done.checked ? settled.add(i) : settled.delete(i)));
    return h("li", { testid: `conflict-${i}`, "data-kind": conflictKind(c) }, done, " ",
      h("button", {
        class: "link", text: describeConflict(c),
        onclick: () => {
          const target = conflictTarget(c);
          if (target.chars) versionsView.showChars(target.chars[0], target.chars[1]);
          if (target.seekMs !== undefined) {
            if (collapsed.has(c.track)) setCollapsed(c.track, false);
            shell.clock.seek(target.seekMs);
          }
        },
      }));
  }));
  const versionsSection = h("div", { class: "sp-section", testid: "versions" },
    h("h3", { text: "Versions" }),
    ...versions.map((a) =>
      h("div", { class: "sp-version" },
        h("span", { class: "swatch", style: `background:${versionsView.colorOf(a.annotator.username)}` }),
        h("span", { text: ` ${a.annotator.username} · ${a.status} · v${a.version} · ${(a.result?.regions ?? []).length} regions ` }),
        locked ? null : h("button", {
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
    h("h3", { testid: "conflict-count", text: `Conflicts (${item.conflicts.length})` }),
    conflictList,
  );

  shell = new Shell({
    root,
    api,
    task,
    project,
    result: gold?.result ?? { regions: [] },
    toolbarActions: locked ? [state, nextBtn] : [state, sendBackBtn, resolveBtn],
    hooks: {
      selectionActions: (region, editable) =>
        editable || locked
          ? []
          : [h("button", {
              class: "primary", testid: "copy-region", text: "Copy to gold (a)",
              onclick: () => copy([region], shell.wb.selection?.layer.annotationId, "copy region"),
            })],
      sections: () => [tracksSection, versionsSection],
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
  shell.wb.conflicts = item.conflicts.filter((c) => typeof c.start_ms === "number" && typeof c.end_ms === "number") as typeof shell.wb.conflicts;
  await shell.mount(lanesFor());

  const textsBox = root.querySelector<HTMLElement>(".texts");
  if (textsBox && (versions.length || texts.length)) {
    textsBox.classList.remove("empty");
    textsBox.append(versionsView.el);
  }
  const boxes = shell.video ? new VersionBoxes(shell.video.el, shell.video.video, shell.clock, project.schema, versions, versionsView.visible, (u) => versionsView.colorOf(u)) : null;
  versionsView.onToggle(() => boxes?.draw());
  const card = shell.keysOverlay.el.querySelector(".keys-card");
  card?.insertBefore(
    h("div", { testid: "review-keys" }, h("h3", { text: "Review" }),
      h("table", { class: "keys-table" }, ...REVIEW_KEYS.map((k) => h("tr", {}, h("td", {}, h("kbd", { text: k.key })), h("td", { text: k.does }))))),
    card.querySelector("[data-testid=keys-close]"),
  );

  const banner = (text: string, testid: string): void => {
    clear(shell.bannerSlot);
    shell.bannerSlot.append(h("div", { class: "readonly-banner", testid, role: "status" }, h("strong", { text })));
  };
  const lock = (why: string, testid: string): void => {
    locked = why;
    shell.wb.setReadOnly(why);
    root.classList.add("read-only");
    banner(why, testid);
    resolveBtn.replaceWith(nextBtn);
    sendBackBtn.remove();
  };
  if (locked) {
    shell.wb.setReadOnly(locked);
    root.classList.add("read-only");
    banner(locked, item.state === "resolved" ? "resolved-banner" : "readonly-banner");
  }

  const goNext = async (): Promise<void> => {
    try {
      const next = await claimNext(api, project.id);
      if (next) window.location.assign(`/review/${next.id}/`);
      else {
        shell.wb.status("The review queue is empty");
        nextBtn.disabled = true;
        nextBtn.textContent = "Queue empty";
      }
    } catch (e) {
      shell.wb.status(e instanceof ApiError ? e.detail : String(e));
    }
  };
  nextBtn.addEventListener("click", () => void goNext());

  resolveBtn.addEventListener("click", async () => {
    const open = item.conflicts.length - settled.size;
    if (open > 0) {
      const answer = await ask(root, {
        testid: "confirm-resolve", title: "Resolve with open conflicts?", confirm: "Resolve anyway",
        body: `${open} of ${item.conflicts.length} conflict(s) are not marked settled. The gold as it stands becomes final.`,
      });
      if (answer === null) return;
    }
    try {
      await api.resolve(item.id, shell.store.result(), [...sources]);
      state.textContent = "Resolved";
      lock("Resolved: the gold is saved and this view is read-only. Opening the next item…", "resolved-banner");
      shell.wb.status("Gold saved");
      await goNext();
    } catch (e) {
      shell.wb.status(e instanceof ApiError ? e.detail : String(e));
    }
  });

  sendBackBtn.addEventListener("click", async () => {
    const note = await ask(root, {
      testid: "send-back-dialog", title: "Send back to the annotators", confirm: "Send back",
      body: `${names.join(", ")} get their versions back as drafts, with your note, in their queue.`,
      note: "What should they look at again?",
    });
    if (note === null) return;
    try {
      item = await sendBack(api, item.id, note);
      state.textContent = "Sent back";
      lock(`Sent back to ${names.join(", ")}: “${note}”. Read-only until they resubmit.`, "sent-back-banner");
      await goNext();
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
      versionBoxes: boxes,
      get result() {
        return shell.store.result();
      },
    },
  });
  return shell;
}
