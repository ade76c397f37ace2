// The MCP read-only rule inside the engine: a broad allow asks for a tool its server did not mark read-only (the
// runtime sets `readOnly` on the Action from the listing), a rule naming the tool exactly or a task grant allows it,
// deny and ask are never loosened, fallback allows follow the same rule, and explain reports the same decision.
import { describe, expect, it } from "vitest";
import { type Action, compilePolicyTexts, type Grant } from "./index.js";

const policy = (() => {
  const p = compilePolicyTexts({
    "p.yaml": `
rules:
  - { id: broad, effect: allow, reason: the github server, match: { tool: "mcp.github.*" } }
  - { id: exact, effect: allow, reason: issues are fine, match: { tool: [mcp.github.create_issue, mcp.github.x] } }
  - { id: ask-pr, effect: ask, reason: PRs need a look, match: { tool: mcp.github.merge } }
  - { id: no-delete, effect: deny, reason: never, match: { tool: mcp.github.delete_repo } }
  - { id: files, effect: allow, reason: files server, match: { tool: "mcp.files.*" } }
  - { id: rest, effect: allow, reason: everything else, fallback: true, match: { tool: "mcp.**" } }
  - { id: rest-exact, effect: allow, reason: this one is fine, fallback: true, match: { tool: mcp.other.fine } }
`,
  });
  if (!p.ok) throw p.error;
  return p.value;
})();

const decide = (tool: string, readOnly?: boolean, grants?: Grant[]) => {
  const action: Action = { tool, args: {}, task: "t1", ...(readOnly === undefined ? {} : { readOnly }) };
  return policy.decide(action, grants ? { grants } : {});
};

describe("MCP tools not marked read-only", () => {
  it("a broad allow asks, naming the rule and saying why; the same with readOnly: false", () => {
    const d = decide("mcp.github.close_issue");
    expect(d).toMatchObject({ effect: "ask", rule: "broad" });
    expect(d.reason).toMatch(/^the github server \(mcp.github.close_issue is not marked read-only/);
    expect(decide("mcp.github.close_issue", false)).toEqual(d);
  });

  it("a read-only tool keeps the allow of a broad rule, and the facts say it was read-only", () => {
    const d = decide("mcp.github.list_issues", true);
    expect(d).toMatchObject({ effect: "allow", rule: "broad" });
    expect(d.facts.readOnly).toBe(true);
  });

  it("a rule naming the tool exactly (alone or in a list, even after the broad one) allows it, and is the one named", () => {
    expect(decide("mcp.github.create_issue")).toMatchObject({ effect: "allow", rule: "exact" });
    expect(decide("mcp.github.x")).toMatchObject({ effect: "allow", rule: "exact" });
  });

  it("a task grant answers the held ask; deny and ask are never loosened", () => {
    const grant: Grant = { id: "g1", task: "t1", match: { tool: "mcp.github.close_issue" } };
    expect(decide("mcp.github.close_issue", undefined, [grant])).toMatchObject({ effect: "allow", rule: "grant:g1" });
    expect(decide("mcp.github.delete_repo", true)).toMatchObject({ effect: "deny", rule: "no-delete" });
    expect(decide("mcp.github.merge", true)).toMatchObject({
      effect: "ask",
      rule: "ask-pr",
      reason: "PRs need a look",
    });
  });

  it("fallback allows follow the same rule", () => {
    expect(decide("mcp.other.tool")).toMatchObject({ effect: "ask", rule: "rest" });
    expect(decide("mcp.other.tool", true)).toMatchObject({ effect: "allow", rule: "rest" });
    expect(decide("mcp.other.fine")).toMatchObject({ effect: "allow", rule: "rest-exact" });
  });

  it("tools outside MCP are untouched; explain gives the decision decide gives", () => {
    const p = compilePolicyTexts({
      "p.yaml": `rules:\n  - { id: any-send, effect: allow, reason: r, match: { tool: "send_*" } }\n`,
    });
    if (!p.ok) throw p.error;
    expect(p.value.decide({ tool: "send_message" })).toMatchObject({ effect: "allow", rule: "any-send" });
    for (const [tool, readOnly] of [
      ["mcp.github.close_issue", undefined],
      ["mcp.github.list_issues", true],
      ["mcp.other.tool", undefined],
    ] as const) {
      const action: Action = { tool, ...(readOnly ? { readOnly } : {}) };
      expect(policy.explain(action).decision).toEqual(policy.decide(action));
    }
  });
});
