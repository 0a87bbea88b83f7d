import { describe, expect, it } from "vitest";
import { ConflictError } from "../../src/api/client";
import type { Annotation } from "../../src/api/types";
import { describeConflict } from "../../src/features/annotate/conflict";

const conflict = (detail: string, version: number, current: unknown): ConflictError =>
  new ConflictError(detail, version, current as Annotation | null, { detail, current_version: version, current });

describe("409 banners", () => {
  it("a submitted annotation: the server's words and only a reload", () => {
    const v = describeConflict(conflict("This annotation is submitted; it can no longer be edited.", 4, null), "ann");
    expect(v).toEqual({ kind: "submitted", title: "This annotation is submitted; it can no longer be edited.", choices: ["reload-page"], theirs: null });
  });

  it("a newer version by someone else, with when", () => {
    const at = "2026-12-02T14:03:07Z";
    const v = describeConflict(conflict("Version 3 is stale", 5, { version: 5, status: "draft", result: { regions: [] }, updated_by: "bob", updated_at: at }), "ann");
    const d = new Date(at);
    const time = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
    expect(v.kind).toBe("stale");
    expect(v.title).toBe(`A newer version (version 5) was saved by bob at ${time} on ${d.toLocaleDateString([], { day: "numeric", month: "short" })}.`);
    expect(v.choices).toEqual(["take-theirs", "keep-mine"]);
    expect(v.theirs).toEqual({ regions: [] });
  });

  it("a newer version saved by the same annotator elsewhere", () => {
    const v = describeConflict(conflict("stale", 7, { version: 7, status: "draft", result: { regions: [] }, updated_by: "ann" }), "ann");
    expect(v.title).toBe("A newer version (version 7) was saved by you, in another tab or window.");
  });

  it("a stale conflict without the server's result offers a reload, not a blind take", () => {
    const v = describeConflict(conflict("stale", 2, null), "ann");
    expect(v).toEqual({ kind: "stale", title: "A newer version (version 2) was saved.", choices: ["reload-page", "keep-mine"], theirs: null });
  });
});
