// The destructive-tool guard with the real policy engine: a broad allow asks for tools not marked read-only, an exact
// rule or a task grant allows, deny and ask are never loosened, and a decision from another policy version asks.
import { describe, expect, it } from "vitest";
import { type Action, compilePolicyTexts } from "../policy/index.js";
import { guardMcpDecision } from "./guard.js";

const policy = (() => {
  const p = compilePolicyTexts({
    "p.yaml": `
rules:
  - { id: broad, effect: allow, reason: the github server, match: { tool: "mcp.github.*" } }
  - { id: exact, effect: allow, reason: issues are fine, match: { tool: [mcp.github.create_issue, mcp.github.x] } }
  - { id: ask-pr, effect: ask, reason: PRs need a look, match: { tool: mcp.github.merge } }
  - { id: no-delete, effect: deny, reason: never, match: { tool: mcp.github.delete_repo } }
  - { id: anything, effect: allow, reason: all, match: { tool: "mcp.**" } }
`,
  });
  if (!p.ok) throw p.error;
  return p.value;
})();

const READ_ONLY = new Set(["mcp.github.list_issues"]);
const decide = (tool: string) => {
  const action: Action = { tool, args: {} };
  return guardMcpDecision(action, policy.decide(action), policy, (t) => READ_ONLY.has(t));
};

describe("guardMcpDecision", () => {
  it("a broad allow asks for a tool not marked read-only, and says why", () => {
    const d = decide("mcp.github.close_issue");
    expect(d).toMatchObject({ effect: "ask", rule: "broad" });
    expect(d.reason).toContain("not marked read-only");
    expect(decide("mcp.other.tool")).toMatchObject({ effect: "ask", rule: "anything" });
  });

  it("a read-only tool keeps the allow of a broad rule", () => {
    expect(decide("mcp.github.list_issues")).toMatchObject({ effect: "allow", rule: "broad" });
  });

  it("a rule naming the tool exactly (alone or in a list) allows it", () => {
    // The engine names the first allow (the broad one); the exact rule further down still counts.
    expect(decide("mcp.github.create_issue")).toMatchObject({ effect: "allow", rule: "broad" });
    expect(decide("mcp.github.x").effect).toBe("allow");
  });

  it("deny and ask pass unchanged; tools outside MCP are untouched", () => {
    expect(decide("mcp.github.delete_repo")).toMatchObject({ effect: "deny", rule: "no-delete" });
    expect(decide("mcp.github.merge")).toMatchObject({ effect: "ask", rule: "ask-pr", reason: "PRs need a look" });
    const d = { ...policy.decide({ tool: "exec", argv: ["ls"] }), effect: "allow" as const };
    expect(guardMcpDecision({ tool: "exec", argv: ["ls"] }, d, policy, () => false)).toBe(d);
  });

  it("a task grant allows; a decision made with another policy version asks", () => {
    const granted = {
      ...policy.decide({ tool: "mcp.github.close_issue" }),
      effect: "allow" as const,
      rule: "grant:g1",
    };
    const close = { tool: "mcp.github.close_issue" };
    expect(guardMcpDecision(close, granted, policy, () => false).effect).toBe("allow");
    const stale = { ...policy.decide({ tool: "mcp.github.create_issue" }), policyVersion: "older" };
    expect(guardMcpDecision({ tool: "mcp.github.create_issue" }, stale, policy, () => false).effect).toBe("ask");
  });
});
