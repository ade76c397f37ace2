// Credential detection: the token-run scan must find every credential wherever it sits.
import { describe, expect, it } from "vitest";
import { findCredentials } from "./credentials.js";

const SAMPLES: [string, string][] = [
  ["aws-access-key", "AKIAIOSFODNN7EXAMPLE"],
  ["github-token", `ghp_${"x1Y2z3".repeat(6)}`],
  ["gitlab-token", "glpat-abcdefghij0123456789"],
  ["slack-token", "xoxb-123456789012-abcdefABCDEF"],
  ["google-api-key", `AIza${"Sy0123456789".repeat(2)}abcdefghijk`],
  ["jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl"],
  ["telegram-bot-token", `123456789:AA${"h".repeat(33)}`],
];

/** A deterministic pseudo-random generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("findCredentials", () => {
  it("finds every credential at any offset among random token runs and separators (the skip never jumps over one)", () => {
    const next = rng(42);
    const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
    const separators = " .,:;/\n\t()=\"'";
    const missed: string[] = [];
    for (let round = 0; round < 400; round++) {
      const parts: string[] = [];
      const expected: { format: string; value: string }[] = [];
      for (let k = 0; k < 30; k++) {
        if (next() < 0.15) {
          const [format, value] = SAMPLES[Math.floor(next() * SAMPLES.length)]!;
          parts.push(value);
          expected.push({ format, value });
        } else {
          // Random token runs of 1 to 40 characters: long ones exercise the run scan without matching a format.
          const len = 1 + Math.floor(next() * 40);
          let run = "";
          for (let i = 0; i < len; i++) run += alphabet[Math.floor(next() * alphabet.length)];
          parts.push(run);
        }
        parts.push(separators[Math.floor(next() * separators.length)]!);
      }
      const text = parts.join("");
      const found = findCredentials(text).map((c) => `${c.format}:${c.value}`);
      for (const e of expected) {
        if (!found.includes(`${e.format}:${e.value}`)) missed.push(`${e.format} in ${JSON.stringify(text)}`);
      }
    }
    expect(missed).toEqual([]);
  });

  it("respects the limit and reports positions that slice back to the value", () => {
    const text = `a AKIAIOSFODNN7EXAMPLE b ${SAMPLES[1]![1]} c`;
    const all = findCredentials(text);
    expect(all.map((c) => text.slice(c.start, c.end))).toEqual(["AKIAIOSFODNN7EXAMPLE", SAMPLES[1]![1]]);
    expect(findCredentials(text, 10).map((c) => c.format)).toEqual(["aws-access-key"]);
  });
});
