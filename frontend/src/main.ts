import "./styles.css";
import { ApiClient } from "./api/client";
import type { Boot } from "./api/types";
import { readBoot } from "./boot";
import { h } from "./dom";
import { mountAnnotate } from "./features/annotate/annotate";
import { mountReview } from "./features/review/review";

declare global {
  interface Window {
    TANDEM?: Partial<Boot>;
  }
}

async function start(): Promise<void> {
  const root = document.getElementById("tandem-editor");
  if (!root) return;
  try {
    const boot = readBoot(window.TANDEM);
    const api = new ApiClient(boot.apiBase, boot.csrfToken);
    if (boot.mode === "review") await mountReview(root, api, boot);
    else await mountAnnotate(root, api, boot);
    root.dataset.ready = "true";
  } catch (e) {
    root.append(h("div", { class: "fatal", testid: "fatal-error", text: `The editor could not start: ${e instanceof Error ? e.message : String(e)}` }));
    root.dataset.ready = "error";
    throw e;
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => void start());
else void start();
