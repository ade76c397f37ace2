// Replaying recorded decisions against a candidate policy.
import { describe, expect, it } from "vitest";
import { createMemoryResolver } from "./memory-resolver.js";
import { compilePolicyTexts } from "./policy.js";
import { formatSimulation, simulate } from "./simulate.js";

const resolver = createMemoryResolver();
const candidate = compilePolicyTexts(
  { "p.yaml": "rules:\n  - {id: talk, effect: allow, reason: r, match: {tool: send_message, to: owner}}\n" },
  { resolver },
);

describe("simulate", () => {
  it("lists the recorded decisions the policy would now decide differently", () => {
    if (!candidate.ok) throw candidate.error;
    const s = simulate(candidate.value, [
      {
        ref: 1,
        at: "2026-11-25T10:00:00Z",
        action: { tool: "send_message", to: "owner" },
        before: { effect: "allow", rule: "talk" },
      },
      { ref: 2, action: { tool: "send_message", to: "x" }, before: { effect: "ask", rule: "others" } },
      { ref: 3, action: { tool: "exec", argv: ["ls"] }, before: { effect: "deny", rule: null } },
      { ref: 4, action: { tool: 42 }, before: { effect: "deny", rule: null } },
    ]);
    expect(s.total).toBe(4);
    expect(s.invalid).toBe(1);
    expect(s.changed).toEqual([
      {
        ref: 2,
        tool: "send_message",
        before: { effect: "ask", rule: "others" },
        after: { effect: "deny", rule: null, reason: "no matching rule" },
      },
    ]);
    expect(formatSimulation(s)).toContain("1 of 4 decisions would change (1 unreadable records skipped)");
  });
});
