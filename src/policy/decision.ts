// The decision record handed to the caller and on to the audit log, and the order of effects.
// Must never produce an allow without naming the rule or grant that allowed it.
import type { Effect } from "./schema.js";

export interface Decision {
  effect: Effect;
  /** Rule id; "grant:<id>" when a task grant allowed it; null for "no matching rule" and invalid actions. */
  rule: string | null;
  file: string | null;
  line: number | null;
  /** Shown to the human and returned to the model. */
  reason: string;
  /** The normalized facts the decision was made on (real paths, real executable, URL parts, ...). */
  facts: Record<string, unknown>;
  /** The fields of the deciding rule that matched. */
  matched: string[];
  /** sha256 of the policy files this decision was made with. */
  policyVersion: string;
}

export const NO_MATCH_REASON = "no matching rule";

/** deny > ask > allow, whatever the order of the rules. */
export const EFFECT_ORDER: readonly Effect[] = ["deny", "ask", "allow"];

/** The short JSON `warden policy check` prints. */
export function checkJson(d: Decision): { effect: Effect; rule: string | null; reason: string } {
  return { effect: d.effect, rule: d.rule, reason: d.reason };
}
