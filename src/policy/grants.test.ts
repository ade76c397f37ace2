// Task grants (answer asks, never denies; expiry; task scope) and attenuation of sub-agent grants.
import { describe, expect, it } from "vitest";
import type { Action, Grant } from "./action.js";
import { attenuate, checkAttenuation } from "./grants.js";
import { createMemoryResolver } from "./memory-resolver.js";
import { compilePolicyTexts } from "./policy.js";

const resolver = createMemoryResolver({ path: ["/usr/bin"], executables: ["/usr/bin/curl", "/usr/bin/make"] });
const p = (() => {
  const r = compilePolicyTexts(
    {
      "p.yaml": `rules:
  - id: net-asks
    effect: ask
    reason: network needs approval
    match: { tool: http_request }
  - id: no-evil
    effect: deny
    reason: never evil
    match: { tool: http_request, host: evil.test }
  - id: spawn
    effect: allow
    reason: sub-agents may start
    match: { tool: spawn_agent }
`,
    },
    { resolver },
  );
  if (!r.ok) throw r.error;
  return r.value;
})();

const grant = (id: string, match: Record<string, unknown>, extra: Partial<Grant> = {}): Grant => ({
  id,
  task: "t1",
  match,
  ...extra,
});
const req = (host: string, task = "t1"): Action => ({
  tool: "http_request",
  method: "GET",
  url: `https://${host}/`,
  task,
});

describe("task grants", () => {
  const g = grant("g1", { tool: "http_request", host: ["*.example.com", "evil.test"] }, { expiresAt: 2000 });
  it("answer an ask for their own task while they last", () => {
    expect(p.decide(req("a.example.com"), { grants: [g], now: 1000 })).toMatchObject({
      effect: "allow",
      rule: "grant:g1",
    });
    expect(p.decide(req("a.example.com"), { grants: [g], now: 3000 }).effect).toBe("ask");
    expect(p.decide(req("a.example.com", "t2"), { grants: [g], now: 1000 }).effect).toBe("ask");
    expect(p.decide(req("other.test"), { grants: [g], now: 1000 }).effect).toBe("ask");
  });
  it("show up in explain, with why they did or did not apply", () => {
    const x = p.explain(req("a.example.com"), { grants: [g, grant("g2", { tool: "read_file" })], now: 1000 });
    expect(x.decision.rule).toBe("grant:g1");
    expect(x.trace.filter((t) => t.rule.startsWith("grant:")).map((t) => [t.rule, t.failed])).toEqual([
      ["grant:g1", null],
      ["grant:g2", "tool"],
    ]);
    expect(p.explain(req("a.example.com"), { grants: [g], now: 3000 }).trace.at(-1)?.failed).toBe("expiresAt");
  });
  it("never override a deny", () => {
    expect(p.decide(req("evil.test"), { grants: [g], now: 1000 }).rule).toBe("no-evil");
  });
  it("get the allow guards: an invalid grant allows nothing, a wrapper needs naming", () => {
    const bad = grant("bad", { tool: "http_request", hots: "x" });
    expect(p.decide(req("a.example.com"), { grants: [bad], now: 0 }).effect).toBe("ask");
    const exec = grant("e", { tool: "exec" });
    expect(p.decide({ tool: "exec", argv: ["make"], task: "t1" }, { grants: [exec] }).effect).toBe("allow");
    expect(p.decide({ tool: "exec", argv: ["env", "make"], task: "t1" }, { grants: [exec] }).effect).toBe("deny");
  });
});

describe("attenuation", () => {
  const parent = [
    grant("net", { tool: "http_request", host: ["*.example.com"], method: ["GET", "POST"] }),
    grant("files", { tool: ["read_file"], path: ["/ws/**"] }),
    grant("exec", { tool: "exec", executable: ["make"], argvNone: ["-j*"] }),
  ];
  const child = (id: string, match: Record<string, unknown>, extra: Partial<Grant> = {}) =>
    grant(id, match, { task: "child", ...extra });
  it("accepts subsets", () => {
    const ok = [
      child("a", { tool: "http_request", host: ["api.example.com"], method: "GET" }),
      child("b", { tool: "read_file", path: "/ws/sub/**" }),
      child("c", { tool: "read_file", path: ["/ws/a.txt", "/ws/*/**"] }),
      child("d", { tool: "exec", executable: "make", argvNone: ["-j*", "-k"] }),
      child("e", { tool: "http_request", host: "*.example.com", method: "POST" }, { expiresAt: 5 }),
    ];
    expect(attenuate(parent, ok, 0)).toEqual({ ok: true, value: ok });
  });
  it("refuses anything wider or not provably narrower", () => {
    const wide = [
      child("a", { tool: "http_request", host: ["evil.test"] }),
      child("b", { tool: "http_request", host: ["*.example.com"] }), // any method: wider
      child("c", { tool: "read_file", path: "/ws/../etc/**" }),
      child("d", { tool: "read_file", path: "/**" }),
      child("e", { tool: "read_file" }),
      child("f", { tool: "write_file", path: "/ws/**" }),
      child("g", { tool: "exec", executable: "make" }), // drops the argvNone
      child("h", { tool: "exec", executable: "make", argvNone: ["-j*"], wrappers: ["make"] }),
      child("i", { tool: "http_request", host: "api.example.com", method: "GET", secrets: ["TOKEN"] }),
      child("j", { tool: "read_file", path: "/{ws,etc}/**" }),
    ];
    for (const c of wide) {
      const r = attenuate(parent, [c], 0);
      expect(r.ok, c.id).toBe(false);
      if (!r.ok) expect(r.error.code).toBe("POLICY_DENIED");
    }
  });
  it("refuses a child that outlives a parent grant, or a parent grant that expired", () => {
    const expiring = [grant("p", { tool: "read_file", path: "/ws/**" }, { expiresAt: 100 })];
    expect(checkAttenuation(expiring, [child("c", { tool: "read_file", path: "/ws/**" })], 0)).not.toBeNull();
    expect(
      checkAttenuation(expiring, [child("c", { tool: "read_file", path: "/ws/**" }, { expiresAt: 50 })], 0),
    ).toBeNull();
    expect(
      checkAttenuation(expiring, [child("c", { tool: "read_file", path: "/ws/**" }, { expiresAt: 50 })], 200),
    ).not.toBeNull();
  });
  it("is checked by the engine on spawn_agent", () => {
    const held = parent.map((g) => ({ ...g, task: "t1" }));
    const spawn = (grants: Grant[]): Action => ({ tool: "spawn_agent", task: "t1", agent: "a1", grants });
    const fine = spawn([child("a", { tool: "read_file", path: "/ws/x" })]);
    const wider = spawn([child("b", { tool: "write_file", path: "/ws/x" })]);
    expect(p.decide(fine, { grants: held }).effect).toBe("allow");
    expect(p.decide(wider, { grants: held })).toMatchObject({ effect: "deny", rule: "attenuation" });
    expect(p.decide(fine, { grants: [] })).toMatchObject({ effect: "deny", rule: "attenuation" });
  });
});
