import type { ConflictError } from "../../api/client";
import type { Region } from "../../timeline/types";

/** What a refused save (409) means for the annotator, and the choices that can still work. */
export interface ConflictView {
  kind: "submitted" | "stale";
  /** The sentence the banner leads with. */
  title: string;
  /** Buttons to offer: take the server's version, write ours over it, or reload the page. */
  choices: ("take-theirs" | "keep-mine" | "reload-page")[];
  /** The server's result when it sent one (a stale save). */
  theirs: { regions: Region[] } | null;
}

interface CurrentBody {
  version?: unknown;
  status?: unknown;
  result?: { regions?: Region[] } | null;
  regions?: Region[];
  updated_by?: unknown;
  updated_at?: unknown;
}

/** "at 14:03:07 on 2 Dec" in the browser's time zone; the raw text when it is not a date. */
function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `at ${d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" })} on ${d.toLocaleDateString([], { day: "numeric", month: "short" })}`;
}

/**
 * Read a 409 from an autosave. A submitted annotation can no longer be written at all, so the only
 * honest choice is to reload it (read-only): offering "overwrite" would loop on the same 409. A
 * stale version names the newer one (and who saved it, and when, when the server says).
 */
export function describeConflict(err: ConflictError, me: string): ConflictView {
  const cur = (err.current ?? null) as CurrentBody | null;
  const submitted = cur?.status === "submitted" || (!cur && /submitted/i.test(err.detail));
  if (submitted) {
    return { kind: "submitted", title: err.detail, choices: ["reload-page"], theirs: null };
  }
  const version = Number.isFinite(err.currentVersion) ? ` (version ${err.currentVersion})` : "";
  const by = typeof cur?.updated_by === "string" && cur.updated_by ? (cur.updated_by === me ? " by you, in another tab or window," : ` by ${cur.updated_by}`) : "";
  const at = typeof cur?.updated_at === "string" && cur.updated_at ? ` ${when(cur.updated_at)}` : "";
  const theirs = cur?.result ? { regions: cur.result.regions ?? [] } : cur?.regions ? { regions: cur.regions } : null;
  return {
    kind: "stale",
    title: `A newer version${version} was saved${by}${at}.`.replace(",.", "."),
    // without the server's result there is nothing to take in place: reload the page instead
    choices: theirs ? ["take-theirs", "keep-mine"] : ["reload-page", "keep-mine"],
    theirs,
  };
}
