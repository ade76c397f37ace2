import { describe, expect, it } from "vitest";
import { encodeForHash } from "./chain.js";

describe("encodeForHash", () => {
  it("is the JSON array of the fields, byte for byte, whatever the strings hold", () => {
    const tricky = [
      'say "hi"',
      "back\\slash",
      "tab\there",
      "nul\u0000",
      "del\u007f",
      "é ü 中文 🙂",
      "lone \ud800",
      "",
      "/x",
    ];
    for (const s of tricky) {
      const f = { seq: 7, ts: s, type: s, actor: s, task: s, dataText: '{"k":1}', prevHash: s };
      expect(encodeForHash(f)).toBe(`[7,${[s, s, s, s, s].map((v) => JSON.stringify(v)).join(",")},{"k":1}]`);
      expect(JSON.parse(encodeForHash(f))).toEqual([7, s, s, s, s, s, { k: 1 }]);
    }
    expect(encodeForHash({ seq: 1, ts: "t", type: "a", actor: "b", task: null, dataText: "{}", prevHash: "0" })).toBe(
      '[1,"t","a","b",null,"0",{}]',
    );
  });
});

describe("canonicalJson", () => {
  it("sorts keys, drops undefined members, and quotes like JSON.stringify", async () => {
    const { canonicalJson } = await import("./canonical.js");
    const value = { b: ['q"', "\\", "\n", "ü"], a: { d: undefined, c: 1.5, 'k"ey': null }, e: [undefined, true] };
    expect(canonicalJson(value)).toBe('{"a":{"c":1.5,"k\\"ey":null},"b":["q\\"","\\\\","\\n","ü"],"e":[null,true]}');
    expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
    expect(() => canonicalJson({ n: Number.POSITIVE_INFINITY })).toThrow(TypeError);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => canonicalJson(cycle)).toThrow(TypeError);
  });
});
