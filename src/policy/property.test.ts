// Property tests for the four guarantees of the issue: no allow without a matching allow rule (checked against a
// naive unindexed evaluator), deny always wins, attenuation never widens, normalized paths never leave the root.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { Action, Grant } from "./action.js";
import type { CompiledPolicy } from "./engine.js";
import { computeFacts } from "./facts.js";
import { attenuate, compileGrant } from "./grants.js";
import { firstFailure } from "./match.js";
import { createMemoryResolver } from "./memory-resolver.js";
import { compilePolicyTexts } from "./policy.js";

const EXES = ["ls", "rm", "git", "env", "sh", "python3"];
const resolver = createMemoryResolver({
  path: ["/usr/bin"],
  executables: EXES.map((e) => `/usr/bin/${e}`),
  links: { "/ws/link": "/etc", "/ws/rel": "../etc", "/ws/loop": "/ws/loop", "/ws/up": "..", "/ws/in": "sub" },
});
const RUNS = { numRuns: 150 };
const WS = ["$", "{workspace}"].join(""); // the policy variable, spelled so no linter takes it for a template

const tool = fc.constantFrom(
  "exec",
  "read_file",
  "http_request",
  "send_message",
  "mcp.a.b",
  "mcp.**",
  "**",
  "*",
  "mcp.*.b",
);
const host = fc.constantFrom("a.test", "b.a.test", "c.test", "a.test.evil");
const pathPat = fc.constantFrom("/ws/**", "/etc/*", "/**", `${WS}/**`, "/ws/a", "/ws/*/b");
const matchArb = fc.record(
  {
    tool,
    executable: fc.subarray(EXES, { minLength: 1 }),
    path: fc.subarray(["/ws/**", "/etc/*", "/**", `${WS}/**`, "/ws/a"], { minLength: 1 }),
    host: fc.subarray(["a.test", "*.a.test", "c.test"], { minLength: 1 }),
    to: fc.constantFrom("owner", "others"),
    argv: fc.constantFrom(["**"], ["-l"], ["x", "**"]),
  },
  { requiredKeys: ["tool"] },
);
const ruleArb = fc.record({ effect: fc.constantFrom("allow", "deny", "ask"), fallback: fc.boolean(), match: matchArb });
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    tool: fc.constant("exec"),
    argv: fc
      .tuple(fc.constantFrom(...EXES, "nope"), fc.array(fc.constantFrom("-l", "x", "-c", "y"), { maxLength: 3 }))
      .map(([e, a]) => [e, ...a]),
  }),
  fc.record({
    tool: fc.constantFrom("read_file", "write_file"),
    path: pathPat.map((p) => p.replace(WS, "/ws").replace(/\*+/g, "a")),
    workspace: fc.constant("/ws"),
  }),
  fc.record({ tool: fc.constant("http_request"), url: host.map((h) => `https://${h}/`) }),
  fc.record({ tool: fc.constant("send_message"), to: fc.constantFrom("owner", "x") }),
  fc.record({ tool: fc.constantFrom("mcp.a.b", "mcp.x.b", "other") }),
);

type RuleInput = { effect: string; fallback: boolean; match: object };
function compile(rules: readonly RuleInput[]): CompiledPolicy {
  const text = stringify({ rules: rules.map((r, i) => ({ id: `r${i}`, reason: "r", ...r })) });
  const p = compilePolicyTexts({ "p.yaml": text }, { resolver, clock: () => 0 });
  if (!p.ok) throw p.error;
  return p.value;
}

/** The naive reference: every rule, no index. */
function naive(p: CompiledPolicy, a: Action): string {
  const f = computeFacts(a, resolver);
  if (f.invalid !== null) return "deny";
  for (const tier of [false, true]) {
    const hits = p.rules.filter((r) => r.spec.fallback === tier && firstFailure(r, f, { now: 0 }) === null);
    for (const e of ["deny", "ask", "allow"]) if (hits.some((r) => r.effect === e)) return e;
  }
  return "deny";
}

describe("policy properties", () => {
  it("no action is allowed without a matching allow rule (indexed engine == naive evaluator)", () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 12 }), actionArb, (rules, action) => {
        const p = compile(rules);
        const d = p.decide(action);
        expect(d.effect).toBe(naive(p, action));
        if (d.effect === "allow") {
          const r = p.rules.find((x) => x.id === d.rule);
          expect(r?.effect).toBe("allow");
          expect(r && firstFailure(r, computeFacts(action, resolver), { now: 0 })).toBeNull();
        }
      }),
      RUNS,
    );
  });

  it("deny always wins, whatever the order", () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 8 }), actionArb, fc.nat(), (rules, action, at) => {
        const deny = { effect: "deny" as const, fallback: false, match: { tool: action.tool } };
        const withDeny: RuleInput[] = [...rules];
        withDeny.splice(at % (rules.length + 1), 0, deny);
        expect(compile(withDeny).decide(action).effect).toBe("deny");
        expect(compile([...withDeny].reverse()).decide(action).effect).toBe("deny");
      }),
      RUNS,
    );
  });

  it("grants never widen through attenuation", () => {
    const grantArb = (task: string) =>
      fc.record({
        id: fc.constantFrom("g1", "g2"),
        task: fc.constant(task),
        match: matchArb as fc.Arbitrary<Record<string, unknown>>,
      });
    fc.assert(
      fc.property(
        fc.array(grantArb("p"), { maxLength: 3 }),
        fc.array(grantArb("c"), { maxLength: 3 }),
        actionArb,
        (parents, children, action) => {
          const r = attenuate(parents, children, 0);
          if (!r.ok) return;
          const allows = (gs: Grant[]) =>
            gs.some((g) => {
              const cg = compileGrant(g, resolver);
              return cg.ok && firstFailure(cg.value.match, computeFacts(action, resolver), { now: 0 }) === null;
            });
          if (allows(r.value)) expect(allows(parents)).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it("normalized paths never leave an allowed root", () => {
    const p = compile([{ effect: "allow", fallback: false, match: { tool: "read_file", path: `${WS}/**` } }]);
    const seg = fc.constantFrom(
      "..",
      ".",
      "",
      "a",
      "sub",
      "link",
      "rel",
      "loop",
      "up",
      "in",
      "%2e%2e",
      "ws",
      "ws-evil",
      "etc",
    );
    fc.assert(
      fc.property(fc.array(seg, { maxLength: 8 }), fc.boolean(), (segs, absolute) => {
        const path = absolute ? `/ws/${segs.join("/")}` : segs.join("/");
        const d = p.decide({ tool: "read_file", path, workspace: "/ws" });
        if (d.effect !== "allow") return;
        const real = resolver.realpath(path, "/ws");
        expect(real === "/ws" || real?.startsWith("/ws/")).toBe(true);
        expect(d.facts.path).toBe(real);
      }),
      { numRuns: 400 },
    );
  });
});
