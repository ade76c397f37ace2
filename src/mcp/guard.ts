// Destructive MCP tools ask by default. A server marks a tool read-only with readOnlyHint (and no destructiveHint);
// any other tool is treated as one that may change or destroy things. For those, an allow from a broad rule
// (`tool: mcp.github.*`, `mcp.**`) becomes an ask: only a rule that names the tool exactly (`mcp.github.create_issue`,
// or a list of exact names) or a grant a human gave for the task lets it run without asking. Deny and ask pass
// unchanged: this can only make a decision stricter.
import type { Action, CompiledPolicy, Decision } from "../policy/index.js";

const GLOB = /[*?{]/;

export function guardMcpDecision(
  action: Action,
  decision: Decision,
  policy: Pick<CompiledPolicy, "rules" | "version" | "explain">,
  readOnly: (tool: string) => boolean,
): Decision {
  const tool = action.tool;
  if (!tool.startsWith("mcp.") || decision.effect !== "allow" || readOnly(tool)) return decision;
  if (decision.rule?.startsWith("grant:")) return decision;
  // The engine reports the first allow that matched; an exact rule later in the files counts too. Rules are looked
  // up in the policy the decision was made with; after a reload in between, ask.
  if (decision.policyVersion === policy.version) {
    const byId = new Map(policy.rules.map((r) => [r.id, r]));
    const exact = policy.explain(action).trace.some((step) => {
      if (step.failed !== null || step.effect !== "allow") return false;
      const names = [byId.get(step.rule)?.spec.match.tool ?? []].flat();
      return names.some((n) => n === tool && !GLOB.test(n));
    });
    if (exact) return decision;
  }
  return {
    ...decision,
    effect: "ask",
    reason: `${decision.reason} (${tool} is not marked read-only by its server: a broad rule lets it run only after a human says yes; a rule naming it exactly allows it)`,
  };
}
