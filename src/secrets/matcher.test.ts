// The multi-pattern matcher against the obvious quadratic definition of leftmost-longest matching.
import { describe, expect, it } from "vitest";
import { type Hit, MultiMatcher, type Pattern } from "./matcher.js";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The obvious quadratic definition: at each position the longest pattern that starts there, then skip past it. */
function reference(patterns: readonly Pattern[], text: string): Hit[] {
  const usable = patterns.filter((p) => p.text.length >= 4).sort((a, b) => b.text.length - a.text.length);
  const hits: Hit[] = [];
  for (let i = 0; i < text.length; ) {
    const p = usable.find((q) => text.startsWith(q.text, i));
    if (p === undefined) i++;
    else {
      hits.push({ start: i, end: i + p.text.length, label: p.label });
      i += p.text.length;
    }
  }
  return hits;
}

describe("MultiMatcher", () => {
  it("agrees with the obvious definition on random texts, including short, overlapping and nested patterns", () => {
    const next = rng(7);
    const alphabet = "abcdAB01-_ ";
    const word = (n: number) =>
      Array.from({ length: n }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
    const disagreements: string[] = [];
    for (let round = 0; round < 300; round++) {
      const patterns: Pattern[] = [];
      // Half the patterns are pieces of one shared string, so they overlap and nest in the text.
      const shared = word(40);
      for (let k = 0; k < 1 + Math.floor(next() * 12); k++) {
        const len = 3 + Math.floor(next() * 14);
        const at = Math.floor(next() * (40 - len));
        patterns.push({ text: next() < 0.5 ? shared.slice(at, at + len) : word(len), label: `P${k}` });
      }
      // Nested and overlapping on purpose: a pattern that contains another, one that extends another.
      const base = patterns[0]!.text;
      patterns.push({ text: `x${base}y`, label: "WRAP" }, { text: `${base}${base.slice(0, 3)}`, label: "EXT" });
      const pieces: string[] = [];
      for (let k = 0; k < 40; k++) {
        const r = next();
        if (r < 0.3) pieces.push(patterns[Math.floor(next() * patterns.length)]!.text);
        else if (r < 0.5) pieces.push(shared.slice(Math.floor(next() * 20), 20 + Math.floor(next() * 20)));
        else pieces.push(word(Math.floor(next() * 8)));
      }
      const text = pieces.join("");
      const got = new MultiMatcher(patterns).scan(text);
      const want = reference(patterns, text);
      if (JSON.stringify(got) !== JSON.stringify(want)) disagreements.push(JSON.stringify({ patterns, text }));
    }
    expect(disagreements).toEqual([]);
  });

  it("finds a long value hidden behind an overlapping short one", () => {
    // S (short) wins at 0 and hides L1; L2 starts inside L1 and must still be found.
    const patterns = [
      { text: "abcd", label: "S" },
      { text: "cdefghijkl", label: "L1" },
      { text: "fghijklmnopq", label: "L2" },
    ];
    expect(new MultiMatcher(patterns).scan("abcdefghijklmnopq")).toEqual([
      { start: 0, end: 4, label: "S" },
      { start: 5, end: 17, label: "L2" },
    ]);
  });
});
