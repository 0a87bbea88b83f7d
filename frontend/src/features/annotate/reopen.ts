import { ApiError, type ApiClient } from "../../api/client";
import type { Annotation } from "../../api/types";
import { h } from "../../dom";

export interface ReopenOptions {
  api: ApiClient;
  annotationId: number;
  /** The server agreed: the annotation is a draft again at this version. */
  onReopened: (a: Annotation) => void;
}

/**
 * The read-only banner's "Reopen" button, offered where the project allows reopening. It asks the
 * server, which alone decides (403: not allowed, 409: review has begun); a refusal is said beside it.
 */
export function reopenControl(o: ReopenOptions): HTMLElement {
  const why = h("span", { class: "reopen-refused", testid: "reopen-refused" });
  const btn = h("button", {
    testid: "reopen", text: "Reopen to edit",
    title: "Take this annotation back to a draft; possible until review begins",
    onclick: async () => {
      btn.disabled = true;
      why.textContent = "";
      try {
        o.onReopened(await o.api.reopenAnnotation(o.annotationId));
      } catch (e) {
        // the server's 403/409 stands; anything else (the network) may work on a second try
        why.textContent = e instanceof ApiError ? e.detail : String(e);
        btn.disabled = e instanceof ApiError;
      }
    },
  });
  return h("span", { class: "reopen" }, btn, why);
}
