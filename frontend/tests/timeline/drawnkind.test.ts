import { describe, expect, it } from "vitest";
import { drawnKind, isRedact, redactionText, streamKindsByRole } from "../../src/timeline/drawnkind";
import type { Track } from "../../src/timeline/types";

const streams = streamKindsByRole([
  { role: "camera", kind: "video" },
  { role: "mic", kind: "audio" },
  { role: "notes", kind: "text" },
]);
const redact = (stream?: string): Track => ({ name: "hide", kind: "redact", stream, labels: [{ value: "face" }] });

describe("drawnKind", () => {
  it("draws a redact track as the shape of its stream", () => {
    expect(drawnKind(redact("camera"), streams)).toBe("box");
    expect(drawnKind(redact("mic"), streams)).toBe("segment");
    expect(drawnKind(redact("notes"), streams)).toBe("span");
  });

  it("leaves every other kind as it is, whatever its stream", () => {
    for (const kind of ["segment", "point", "transcript", "span", "box", "relation"] as const) {
      expect(drawnKind({ name: "t", kind, stream: "notes" }, streams)).toBe(kind);
    }
  });

  it("redacts the picture, else the sound, else the text when the track names no stream it knows", () => {
    expect(drawnKind(redact(), streams)).toBe("box");
    expect(drawnKind(redact("elsewhere"), streams)).toBe("box");
    const noVideo = streamKindsByRole([{ role: "notes", kind: "text" }, { role: "mic", kind: "audio" }]);
    expect(drawnKind(redact(), noVideo)).toBe("segment");
    expect(drawnKind(redact(), streamKindsByRole([{ role: "notes", kind: "text" }]))).toBe("span");
  });

  it("names a redaction by its reason and leaves other labels alone", () => {
    expect(isRedact(redact())).toBe(true);
    expect(isRedact({ name: "s", kind: "segment" })).toBe(false);
    expect(isRedact(undefined)).toBe(false);
    expect(redactionText(redact(), "face")).toBe("redact · face");
    expect(redactionText({ name: "s", kind: "segment" }, "speech")).toBe("speech");
    expect(redactionText({ name: "s", kind: "segment" }, undefined)).toBe("");
  });
});
