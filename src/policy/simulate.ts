// `warden policy simulate`: replay recorded actions against a (current or candidate) policy and list what would
// change. Pure: the caller reads the audit log and hands entries in. Must never act on anything it replays.
import { actionSchema } from "./action.js";
import type { CompiledPolicy, DecideContext } from "./engine.js";
import type { Effect } from "./schema.js";

export interface RecordedDecision {
  /** Where it came from, e.g. the audit event's seq. */
  ref: string | number;
  /** When it was decided (ISO time), for display. */
  at?: string;
  /** The action as recorded (validated again here: the log is data, not trusted input). */
  action: unknown;
  before: { effect: Effect; rule: string | null };
}

export interface SimulatedChange {
  ref: string | number;
  at?: string;
  tool: string;
  before: { effect: Effect; rule: string | null };
  after: { effect: Effect; rule: string | null; reason: string };
}

export interface Simulation {
  policyVersion: string;
  total: number;
  /** Recorded actions that no longer validate (skipped, counted). */
  invalid: number;
  changed: SimulatedChange[];
}

/**
 * Decide every recorded action again. Task grants are not replayed (they belonged to tasks that are over), so an
 * action that a grant allowed shows up as changed unless a rule allows it now; `time` defaults to each record's `at`.
 */
export function simulate(
  policy: CompiledPolicy,
  records: Iterable<RecordedDecision>,
  ctx: DecideContext = {},
): Simulation {
  const out: Simulation = { policyVersion: policy.version, total: 0, invalid: 0, changed: [] };
  for (const r of records) {
    out.total++;
    const parsed = actionSchema.safeParse(r.action);
    if (!parsed.success) {
      out.invalid++;
      continue;
    }
    const at = r.at === undefined ? Number.NaN : Date.parse(r.at);
    const d = policy.decide(parsed.data, { now: Number.isNaN(at) ? ctx.now : at });
    if (d.effect !== r.before.effect || d.rule !== r.before.rule) {
      out.changed.push({
        ref: r.ref,
        ...(r.at === undefined ? {} : { at: r.at }),
        tool: parsed.data.tool,
        before: r.before,
        after: { effect: d.effect, rule: d.rule, reason: d.reason },
      });
    }
  }
  return out;
}

export function formatSimulation(s: Simulation): string {
  const lines = s.changed.map(
    (c) =>
      `${String(c.ref).padStart(6)} ${c.at ?? ""} ${c.tool}: ${c.before.effect} (${c.before.rule ?? "no rule"}) -> ` +
      `${c.after.effect} (${c.after.rule ?? "no rule"})`,
  );
  lines.push(`${s.changed.length} of ${s.total} decisions would change (${s.invalid} unreadable records skipped)`);
  return lines.join("\n");
}
