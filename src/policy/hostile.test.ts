// Malformed and hostile policy files: a clear error naming file:line, never a crash, never a rule that allows more.
import { describe, expect, it } from "vitest";
import { createMemoryResolver } from "./memory-resolver.js";
import { compilePolicyTexts } from "./policy.js";

const resolver = createMemoryResolver();
const load = (text: string) => compilePolicyTexts({ "h.yaml": text }, { resolver });

describe("hostile policy files", () => {
  const cases: Record<string, string> = {
    "alias bomb": `a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: [*e,*e,*e,*e,*e,*e,*e,*e,*e]
rules: []
`,
    "__proto__ key": `rules:
  - id: p
    effect: deny
    reason: r
    match: { tool: exec }
    __proto__: { effect: allow }
`,
    "two documents": "rules: []\n---\nrules: []\n",
    "rules not a list": "rules: {id: x}\n",
    "a scalar file": "just text\n",
    "id with spaces": "rules:\n  - {id: 'a b', effect: allow, reason: r, match: {tool: x}}\n",
    "effect in capitals": "rules:\n  - {id: a, effect: ALLOW, reason: r, match: {tool: x}}\n",
    "empty reason": "rules:\n  - {id: a, effect: allow, reason: '', match: {tool: x}}\n",
    "missing match": "rules:\n  - {id: a, effect: allow, reason: r}\n",
    "executable glob": "rules:\n  - {id: a, effect: allow, reason: r, match: {tool: exec, executable: '*'}}\n",
    "port out of range": "rules:\n  - {id: a, effect: allow, reason: r, match: {tool: http_request, port: 70000}}\n",
    "unknown wrapper": "rules:\n  - {id: a, effect: allow, reason: r, match: {tool: exec, wrappers: [anything]}}\n",
    "bad time":
      "rules:\n  - {id: a, effect: allow, reason: r, match: {tool: x}, when: {time: {from: '25:00', to: '01:00'}}}\n",
    "tab indentation": "rules:\n\t- id: a\n",
    "duplicate keys": "rules:\n  - {id: a, id: b, effect: allow, reason: r, match: {tool: x}}\n",
  };
  for (const [name, text] of Object.entries(cases)) {
    it(`${name}: refused with a file:line error`, () => {
      const r = load(text);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe("POLICY_INVALID");
        expect(r.error.message).toMatch(/h\.yaml:\d+/);
      }
    });
  }
  it("a NUL byte or a huge line does not crash the loader", () => {
    expect(load(`rules:\n  - {id: a, effect: allow, reason: "\0", match: {tool: x}}\n`).ok).toBe(true);
    expect(load(`rules:\n  - {id: a, effect: allow, reason: r, match: {tool: "${"x".repeat(5000)}"}}\n`).ok).toBe(
      false,
    );
  });
});
