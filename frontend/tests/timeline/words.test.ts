import { describe, expect, it } from "vitest";
import { charAtTime, mergeWords, moveBoundary, regionWords, retext, setWordText, splitWord, spread, textOf, wordAt, wordsPatch } from "../../src/timeline/words";
import type { Region, Word } from "../../src/timeline/types";

const seg: Region = { id: "s1", track: "words", start_ms: 1000, end_ms: 2000, text: "good morning all" };
const three: Word[] = [
  { text: "good", start_ms: 1000, end_ms: 1300 },
  { text: "morning", start_ms: 1300, end_ms: 1800 },
  { text: "all", start_ms: 1800, end_ms: 2000 },
];

describe("transcript words", () => {
  it("spreads words over a span in proportion to their characters, ending exactly at the end", () => {
    expect(spread(["ab", "cdef"], 0, 600)).toEqual([{ text: "ab", start_ms: 0, end_ms: 200 }, { text: "cdef", start_ms: 200, end_ms: 600 }]);
  });

  it("uses stored words that spell the text and derives them otherwise", () => {
    expect(regionWords({ ...seg, words: three })).toEqual(three);
    // "good" + "morning" + "all" = 14 characters over 1000 ms
    expect(regionWords(seg)).toEqual([
      { text: "good", start_ms: 1000, end_ms: 1286 },
      { text: "morning", start_ms: 1286, end_ms: 1786 },
      { text: "all", start_ms: 1786, end_ms: 2000 },
    ]);
    // stale words (the text was changed elsewhere) are not trusted
    expect(regionWords({ ...seg, text: "good evening all", words: three })[1].text).toBe("evening");
    // words outside the segment (it was shortened) are not trusted either
    expect(regionWords({ ...seg, end_ms: 1900, words: three })[2].end_ms).toBe(1900);
  });

  it("rebuilds the segment text from its words", () => {
    expect(textOf(three)).toBe("good morning all");
    expect(wordsPatch(three)).toEqual({ text: "good morning all", words: three });
  });

  it("edits a word's text in place, splitting on spaces and removing an emptied word", () => {
    expect(setWordText(three, 1, "evening")[1]).toEqual({ text: "evening", start_ms: 1300, end_ms: 1800 });
    expect(setWordText(three, 1, "mor ning")).toEqual([
      three[0],
      { text: "mor", start_ms: 1300, end_ms: 1514 },
      { text: "ning", start_ms: 1514, end_ms: 1800 },
      three[2],
    ]);
    expect(setWordText(three, 1, "  ")).toEqual([{ text: "good", start_ms: 1000, end_ms: 1800 }, three[2]]);
    expect(setWordText(three, 0, "")).toEqual([{ text: "morning", start_ms: 1000, end_ms: 1800 }, three[2]]);
  });

  it("splits a word at a character, at the playhead when it falls inside the word", () => {
    expect(splitWord(three, 1, 3)).toEqual([three[0], { text: "mor", start_ms: 1300, end_ms: 1514 }, { text: "ning", start_ms: 1514, end_ms: 1800 }, three[2]]);
    expect(splitWord(three, 1, 3, 1400)?.[1]).toEqual({ text: "mor", start_ms: 1300, end_ms: 1400 });
    expect(splitWord(three, 1, 3, 1795)?.[1].end_ms).toBe(1514); // too close to the end: proportional
    expect(splitWord(three, 1, 0)).toBeNull();
    expect(splitWord(three, 1, 7)).toBeNull();
    expect(charAtTime(three[1], 1550)).toBe(4);
    expect(charAtTime(three[1], 1300)).toBe(1);
  });

  it("merges a word with the next", () => {
    expect(mergeWords(three, 0)).toEqual([{ text: "goodmorning", start_ms: 1000, end_ms: 1800 }, three[2]]);
    expect(mergeWords(three, 2)).toBeNull();
  });

  it("moves a boundary between two words, kept inside both", () => {
    expect(moveBoundary(three, 0, 1450)?.slice(0, 2)).toEqual([{ text: "good", start_ms: 1000, end_ms: 1450 }, { text: "morning", start_ms: 1450, end_ms: 1800 }]);
    expect(moveBoundary(three, 0, 5000)?.[0].end_ms).toBe(1790);
    expect(moveBoundary(three, 1, 0)?.[1].end_ms).toBe(1310);
    expect(moveBoundary(three, 2, 1900)).toBeNull();
  });

  it("finds the word playing at a time", () => {
    expect(wordAt(three, 999)).toBe(-1);
    expect(wordAt(three, 1300)).toBe(1);
    expect(wordAt(three, 5000)).toBe(2);
  });

  it("keeps word times when typed text has as many words, and spreads them again otherwise", () => {
    expect(retext({ ...seg, words: three }, "Good  morning all!")).toEqual({ text: "Good morning all!", words: [{ ...three[0], text: "Good" }, three[1], { ...three[2], text: "all!" }] });
    expect(retext({ ...seg, words: three }, "hi").words).toEqual([{ text: "hi", start_ms: 1000, end_ms: 2000 }]);
  });
});
