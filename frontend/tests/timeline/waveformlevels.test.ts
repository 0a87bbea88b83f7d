import { describe, expect, it } from "vitest";
import { levelFor, samplesPerPixel } from "../../src/timeline/waveformlevels";

const levels = [256, 512, 1024, 2048, 4096, 8192, 16384, 32768];

describe("levelFor", () => {
  it("takes the coarsest level that is still as fine as the screen", () => {
    expect(levelFor(levels, 3000)).toBe(2048);
    expect(levelFor(levels, 2048)).toBe(2048);
  });

  it("takes the coarsest level for a whole three-hour recording on 1,250 px", () => {
    expect(levelFor(levels, samplesPerPixel((3 * 3600 * 1000) / 1250, 44100))).toBe(32768);
  });

  it("falls back to the finest level when the screen is finer than every level", () => {
    expect(levelFor(levels, samplesPerPixel(1, 44100))).toBe(256);
  });

  it("does not depend on the order the server lists the levels in", () => {
    expect(levelFor([1024, 256, 4096], 2000)).toBe(1024);
  });

  it("refuses an empty list", () => {
    expect(() => levelFor([], 100)).toThrow(RangeError);
  });
});
