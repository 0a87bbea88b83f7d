import type { Boot } from "./api/types";

/** Read and check the boot object the Django template defines. */
export function readBoot(raw: Partial<Boot> | undefined): Boot {
  if (!raw) throw new Error("window.TANDEM is missing: the page must define it before loading editor.js");
  const mode = raw.mode === "review" ? "review" : "annotate";
  return {
    mode,
    taskId: typeof raw.taskId === "number" ? raw.taskId : null,
    reviewItemId: typeof raw.reviewItemId === "number" ? raw.reviewItemId : null,
    projectId: typeof raw.projectId === "number" ? raw.projectId : null,
    apiBase: raw.apiBase || "/api",
    csrfToken: raw.csrfToken || "",
    user: raw.user ?? { id: -1, username: "", role: "" },
  };
}
