// What the `warden policy check|explain` commands need, as data plus text formatters; the CLI only parses flags and
// prints. Must never print a decision for an action that failed validation: that is a usage error.
import { err, ok, type Result, WardenError } from "../errors.js";
import { type Action, actionSchema } from "./action.js";
import type { Decision } from "./decision.js";
import type { Explanation } from "./engine.js";

/** Validate an action from anywhere (model tool call, HTTP body). The error names the first bad field. */
export function parseAction(raw: unknown, code: "USAGE" | "BAD_REQUEST" = "BAD_REQUEST"): Result<Action> {
  const parsed = actionSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return err(new WardenError(code, `action: ${i?.path.join(".") || "(root)"}: ${i?.message}`));
  }
  return ok(parsed.data);
}

/** Parse the --action JSON (a trust boundary: it may come from anyone). */
export function parseActionJson(text: string): Result<Action> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return err(new WardenError("USAGE", `--action is not JSON: ${(e as Error).message}`));
  }
  return parseAction(raw, "USAGE");
}

function where(d: Decision): string {
  if (d.rule === null) return "no rule";
  return d.file === null ? d.rule : `rule ${d.rule} (${d.file}:${d.line})`;
}

export function formatDecision(d: Decision): string {
  return `${d.effect.toUpperCase()} by ${where(d)}: ${d.reason}`;
}

/** A readable trace: the decision, the facts it was made on, every rule for the tool and why it did or did not match. */
export function formatExplanation(x: Explanation): string {
  const d = x.decision;
  const lines = [`decision: ${formatDecision(d)}`, `policy:   ${d.policyVersion.slice(0, 16)}`, "facts:"];
  for (const [k, v] of Object.entries(d.facts)) lines.push(`  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
  lines.push(
    x.trace.length === 0 ? "no rule is about this tool" : "rules about this tool, in order, then task grants:",
  );
  for (const t of x.trace) {
    const mark = t.failed === null ? "matches" : `no (${t.failed} differs)`;
    const decided = t.rule === d.rule ? "  <- decided" : "";
    const tier = t.fallback ? " (fallback)" : "";
    const where = t.line === 0 ? t.file : `${t.file}:${t.line}`;
    lines.push(`  ${t.effect.padEnd(5)} ${t.rule}${tier}  ${where}  ${mark}${decided}`);
  }
  lines.push(
    "precedence: deny > ask > allow; a task grant answers an ask; fallback rules only when nothing else matched",
  );
  return lines.join("\n");
}
