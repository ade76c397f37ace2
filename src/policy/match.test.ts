// Matching on network, messages, secrets, argv patterns and conditions, through compiled policies.
import { describe, expect, it } from "vitest";
import type { Action } from "./action.js";
import { createMemoryResolver } from "./memory-resolver.js";
import { compilePolicyTexts } from "./policy.js";

const resolver = createMemoryResolver({ path: ["/usr/bin"], executables: ["/usr/bin/git", "/usr/bin/curl"] });
const compile = (rules: string) => {
  const r = compilePolicyTexts({ "p.yaml": `rules:\n${rules}` }, { resolver, clock: () => Date.UTC(2026, 10, 25, 12) });
  if (!r.ok) throw r.error;
  return r.value;
};
const effect = (p: ReturnType<typeof compile>, a: Action, now?: number) =>
  p.decide(a, now === undefined ? {} : { now }).effect;

describe("network", () => {
  const p = compile(`  - id: api
    effect: allow
    reason: api
    match: { tool: http_request, scheme: https, host: [api.example.com, "*.cdn.example.com"], port: 443, method: [get, HEAD], urlPath: "/v1/**" }
`);
  const get = (url: string, method = "GET"): Action => ({ tool: "http_request", method, url });
  it("matches exact host, one wildcard label, default port, method case-insensitively, path glob", () => {
    expect(effect(p, get("https://api.example.com/v1/x"))).toBe("allow");
    expect(effect(p, get("https://API.Example.COM:443/v1/x/y", "get"))).toBe("allow");
    expect(effect(p, get("https://a.cdn.example.com/v1"))).toBe("allow");
  });
  it("refuses other hosts, deeper wildcards, the bare parent, ports, schemes, methods, paths", () => {
    for (const a of [
      get("https://evil.com/v1/x"),
      get("https://api.example.com.evil.com/v1/x"),
      get("https://a.b.cdn.example.com/v1/x"),
      get("https://cdn.example.com/v1/x"),
      get("https://api.example.com:8443/v1/x"),
      get("http://api.example.com/v1/x"),
      get("https://api.example.com/v1/x", "POST"),
      get("https://api.example.com/v2/x"),
      get("https://api.example.com/v1/../v2/x"),
      get("https://api.example.com/v1/%2e%2e/v2/x"),
      get("https://api.example.com@evil.com/v1/x"),
      get("https://аpi.example.com/v1/x"), // Cyrillic a: punycode, a different host
      get("not a url"),
      get("file:///etc/passwd"),
    ]) {
      expect(effect(p, a), a.url).toBe("deny");
    }
  });
  it("keeps percent-encoding as given in paths (nothing is URL-decoded)", () => {
    const q = compile(`  - id: x
    effect: allow
    reason: x
    match: { tool: http_request, host: h.test, urlPath: "/a b" }
`);
    expect(effect(q, get("https://h.test/a%20b"))).toBe("deny");
  });
});

describe("messages, secrets, MCP args", () => {
  const p = compile(`  - id: owner
    effect: allow
    reason: owner
    match: { tool: send_message, channel: [telegram, cli], to: owner }
  - id: friend
    effect: ask
    reason: friend
    match: { tool: send_message, to: ["@friend"] }
  - id: gh
    effect: allow
    reason: token to github only
    match: { tool: http_request, host: api.github.com, secrets: [GITHUB_TOKEN] }
  - id: no-aws-anywhere
    effect: deny
    reason: never
    match: { tool: "**", secrets: [AWS_KEY] }
  - id: mcp
    effect: allow
    reason: read issues
    match: { tool: "mcp.github.*", args: { repo: "me/*" } }
`);
  it("recipients: owner, a named id, anyone else", () => {
    expect(effect(p, { tool: "send_message", channel: "telegram", to: "owner" })).toBe("allow");
    expect(effect(p, { tool: "send_message", channel: "discord", to: "owner" })).toBe("deny");
    expect(effect(p, { tool: "send_message", channel: "telegram", to: "@friend" })).toBe("ask");
    expect(effect(p, { tool: "send_message", channel: "telegram", to: "@stranger" })).toBe("deny");
  });
  it("a secret goes only where a rule binds it; a deny on a secret wins everywhere", () => {
    const req = (host: string, secrets: string[]): Action => ({
      tool: "http_request",
      url: `https://${host}/`,
      secrets,
    });
    expect(effect(p, req("api.github.com", []))).toBe("allow");
    expect(effect(p, req("api.github.com", ["GITHUB_TOKEN"]))).toBe("allow");
    expect(effect(p, req("api.github.com", ["GITHUB_TOKEN", "OTHER"]))).toBe("deny");
    expect(effect(p, req("api.github.com", ["AWS_KEY"]))).toBe("deny");
    expect(p.decide(req("api.github.com", ["AWS_KEY"])).rule).toBe("no-aws-anywhere");
    expect(effect(p, { tool: "send_message", channel: "cli", to: "owner", secrets: ["GITHUB_TOKEN"] })).toBe("deny");
  });
  it("MCP tool globs and argument patterns", () => {
    // readOnly: the server marked the tool read-only (else a glob allow asks: see readonly.test.ts)
    const list = (args: Record<string, unknown>, tool = "mcp.github.list_issues"): Action => ({
      tool,
      args,
      readOnly: true,
    });
    expect(effect(p, list({ repo: "me/warden" }))).toBe("allow");
    expect(effect(p, { tool: "mcp.github.list_issues", args: { repo: "me/warden" } })).toBe("ask");
    expect(effect(p, list({ repo: "you/x" }))).toBe("deny");
    expect(effect(p, list({ repo: 3 }))).toBe("deny");
    expect(effect(p, list({ repo: "me/x" }, "mcp.gitlab.list_issues"))).toBe("deny");
  });
});

describe("argv patterns", () => {
  const p = compile(`  - id: git
    effect: allow
    reason: git
    match: { tool: exec, executable: git, argv: ["{log,show}", "**", "--", "*.md"], argvNone: ["--output*"] }
`);
  const git = (...args: string[]): Action => ({ tool: "exec", argv: ["git", ...args] });
  it("** spans any number of arguments, other patterns exactly one", () => {
    expect(effect(p, git("log", "--", "a.md"))).toBe("allow");
    expect(effect(p, git("show", "-p", "HEAD", "--", "a.md"))).toBe("allow");
    expect(effect(p, git("log", "--", "a.md", "b.md"))).toBe("deny");
    expect(effect(p, git("push", "--", "a.md"))).toBe("deny");
    expect(effect(p, git("log", "--output=x", "--", "a.md"))).toBe("deny");
  });
  it("survives very long argv and NUL bytes with a deny, not a crash", () => {
    expect(effect(p, git("log", ...Array.from({ length: 4000 }, () => "x"), "--", "a.md"))).toBe("allow");
    expect(effect(p, git("log", "--", "a\0.md"))).toBe("deny");
    expect(p.decide(git("log", "--", "a\0.md")).reason).toContain("NUL");
    expect(effect(p, { tool: "exec", argv: [] })).toBe("deny");
    expect(effect(p, { tool: "exec" })).toBe("deny");
  });
});

describe("conditions", () => {
  const p = compile(`  - id: cond
    effect: allow
    reason: c
    match: { tool: send_message }
    when:
      taint: trusted
      principal: [owner, schedule]
      time: { days: [mon, tue, wed, thu, fri], from: "22:00", to: "06:00", tz: Europe/Paris }
      budget: { steps: 2, spend: 0.5 }
`);
  const base: Action = {
    tool: "send_message",
    to: "owner",
    taint: "trusted",
    principal: "owner",
    budget: { steps: 5, spend: 1 },
  };
  const wedParis2330 = Date.UTC(2026, 10, 25, 22, 30); // Wednesday 23:30 in Paris (UTC+1)
  it("all hold", () => expect(effect(p, base, wedParis2330)).toBe("allow"));
  it("each one can fail", () => {
    expect(effect(p, { ...base, taint: "untrusted" }, wedParis2330)).toBe("deny");
    expect(effect(p, { ...base, taint: undefined }, wedParis2330)).toBe("deny");
    expect(effect(p, { ...base, principal: "paired" }, wedParis2330)).toBe("deny");
    expect(effect(p, base, Date.UTC(2026, 10, 25, 12))).toBe("deny");
    expect(effect(p, base, Date.UTC(2026, 10, 28, 23))).toBe("deny"); // Saturday night
    expect(effect(p, { ...base, budget: { steps: 1, spend: 1 } }, wedParis2330)).toBe("deny");
    expect(effect(p, { ...base, budget: { steps: 5 } }, wedParis2330)).toBe("deny");
  });
  it("uses the injected clock when no time is given", () => {
    expect(effect(p, base)).toBe("deny"); // the clock says 12:00 UTC
  });
});
