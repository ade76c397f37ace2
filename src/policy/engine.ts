// The compiled policy: decide(action) through the index, deny > ask > allow, task grants, attenuation on spawn, and
// the MCP rule: a tool not marked read-only is allowed only by a rule naming it exactly (or a grant); a broad allow
// asks instead. Must never throw out of decide and never allow by default: every failure path returns a deny.
import type { Action, Grant } from "./action.js";
import type { Bucket, CompiledRule, RuleIndex, RuleSet } from "./compile.js";
import { type Decision, EFFECT_ORDER, NO_MATCH_REASON } from "./decision.js";
import { computeFacts, type Facts, factsRecord } from "./facts.js";
import { isLiteralGlob } from "./glob.js";
import { type CompiledGrant, checkAttenuation, compileGrant } from "./grants.js";
import { type EvalContext, firstFailure } from "./match.js";
import type { Resolver } from "./resolve.js";
import type { Effect } from "./schema.js";

export interface DecideContext {
  /** Epoch milliseconds (time windows, grant expiry); defaults to the engine's clock. */
  now?: number;
  /**
   * The grants the action's task holds (only those for `action.task`, unexpired, count). Compiled grants are cached
   * per Grant object: pass the same objects from one decision to the next.
   */
  grants?: readonly Grant[];
}

export interface TraceStep {
  rule: string;
  file: string;
  line: number;
  effect: Effect;
  fallback: boolean;
  /** null when the rule matched, else the first field that did not. */
  failed: string | null;
}

export interface Explanation {
  decision: Decision;
  /** Every rule for this tool, in load order, with whether it matched. */
  trace: TraceStep[];
}

export interface CompiledPolicy {
  readonly version: string;
  readonly rules: readonly CompiledRule[];
  readonly ruleSet: RuleSet;
  decide(action: Action, ctx?: DecideContext): Decision;
  explain(action: Action, ctx?: DecideContext): Explanation;
}

/** The buckets that can hold rules for these facts: the tool's generic rules plus its exe and host keys. */
function bucketsFor(ri: RuleIndex, f: Facts): Bucket[] {
  const idx = ri.byTool.get(f.tool);
  if (idx === undefined) return [ri.wildTools];
  const out = [idx.generic];
  if (f.exe !== null) {
    const b = idx.byExe.get(f.exe);
    if (b !== undefined) out.push(b);
  }
  if (f.host !== null) {
    const b = idx.byHost.get(f.host);
    if (b !== undefined) out.push(b);
    const dot = f.host.indexOf(".");
    const w = dot > 0 ? idx.byWildHost.get(f.host.slice(dot + 1)) : undefined;
    if (w !== undefined) out.push(w);
  }
  return out;
}

/** The first rule (in load order) of this effect whose match holds (and that passes `only`, when given). */
function firstMatch(
  buckets: readonly Bucket[],
  e: Effect,
  f: Facts,
  c: EvalContext,
  only?: (r: CompiledRule) => boolean,
): CompiledRule | null {
  let best: CompiledRule | null = null;
  for (const b of buckets) {
    for (const r of b[e]) {
      if (best !== null && r.order > best.order) break;
      if ((only === undefined || only(r)) && firstFailure(r, f, c) === null) {
        best = r;
        break;
      }
    }
  }
  return best;
}

/**
 * MCP tools the runtime did not mark read-only may change or destroy things: an allow for one must name it exactly
 * (`tool: mcp.github.create_issue`, alone or in a list), not through a glob such as `mcp.github.*` or `mcp.**`.
 */
const needsExactAllow = (f: Facts): boolean => f.tool.startsWith("mcp.") && !f.readOnly;
const namesExactly = (r: CompiledRule, tool: string): boolean =>
  isLiteralGlob(tool) && r.spec.match.tool.includes(tool);

export function createCompiledPolicy(rs: RuleSet, resolver: Resolver, clock: () => number): CompiledPolicy {
  const grantCache = new WeakMap<Grant, CompiledGrant | null>();
  const grantOf = (g: Grant): CompiledGrant | null => {
    let cg = grantCache.get(g);
    if (cg === undefined) {
      const r = compileGrant(g, resolver);
      cg = r.ok ? r.value : null;
      grantCache.set(g, cg);
    }
    return cg;
  };

  const base = (f: Facts | null, effect: Effect, reason: string): Decision => ({
    effect,
    rule: null,
    file: null,
    line: null,
    reason,
    facts: f === null ? {} : factsRecord(f),
    matched: [],
    policyVersion: rs.version,
  });
  // Built in one literal (no spread): this is the hot path of every allowed or denied action.
  const byRule = (f: Facts, r: CompiledRule): Decision => ({
    effect: r.effect,
    rule: r.id,
    file: r.file,
    line: r.line,
    reason: r.reason,
    facts: factsRecord(f),
    matched: r.fields,
    policyVersion: rs.version,
  });

  /** A broad allow of a tool not marked read-only: it asks, and says why. */
  const held = (f: Facts, r: CompiledRule): Decision => ({
    ...byRule(f, r),
    effect: "ask",
    reason: `${r.reason} (${f.tool} is not marked read-only by its server: a broad rule lets it run only after a human says yes; a rule naming it exactly allows it)`,
  });

  const decideFacts = (action: Action, f: Facts, ctx: DecideContext): Decision => {
    if (f.invalid !== null) return base(f, "deny", `invalid action: ${f.invalid}`);
    const c: EvalContext = { now: ctx.now ?? clock() };
    if (action.grants !== undefined) {
      const held = (ctx.grants ?? []).filter((g) => g.task === action.task);
      const refused = checkAttenuation(held, action.grants, c.now);
      if (refused !== null) return { ...base(f, "deny", refused), rule: "attenuation" };
    }
    const main = bucketsFor(rs.main, f);
    const deny = firstMatch(main, "deny", f, c);
    if (deny !== null) return byRule(f, deny);
    const ask = firstMatch(main, "ask", f, c);
    let allow = ask === null ? firstMatch(main, "allow", f, c) : null;
    // A broad allow of an MCP tool not marked read-only only holds it back: an exact rule later on may still allow it,
    // a grant may answer, else it asks (below).
    let broad: CompiledRule | null = null;
    if (allow !== null && needsExactAllow(f) && !namesExactly(allow, f.tool)) {
      broad = allow;
      allow = firstMatch(main, "allow", f, c, (r) => namesExactly(r, f.tool));
    }
    if (allow !== null) return byRule(f, allow);
    // A task grant answers an ask (that is what "approve for this task" means) or a missing rule; never a deny.
    for (const g of ctx.grants ?? []) {
      if (g.task !== action.task || (g.expiresAt !== undefined && g.expiresAt <= c.now)) continue;
      const cg = grantOf(g);
      if (cg !== null && firstFailure(cg.match, f, c) === null) {
        return {
          ...base(f, "allow", `granted for this task (${g.id})`),
          rule: `grant:${g.id}`,
          matched: cg.match.tests.map((t) => t.field),
        };
      }
    }
    if (ask !== null) return byRule(f, ask);
    if (broad !== null) return held(f, broad);
    const fallback = bucketsFor(rs.fallback, f);
    for (const e of EFFECT_ORDER) {
      const r = firstMatch(fallback, e, f, c);
      if (r === null) continue;
      if (e !== "allow" || !needsExactAllow(f) || namesExactly(r, f.tool)) return byRule(f, r);
      const exact = firstMatch(fallback, e, f, c, (x) => namesExactly(x, f.tool));
      return exact === null ? held(f, r) : byRule(f, exact);
    }
    return base(f, "deny", NO_MATCH_REASON);
  };

  const safely = <T>(fn: () => T, fallback: (e: unknown) => T): T => {
    try {
      return fn();
    } catch (e) {
      return fallback(e); // a bug here must deny, never crash the caller or allow
    }
  };

  return {
    version: rs.version,
    rules: rs.rules,
    ruleSet: rs,
    decide(action, ctx = {}) {
      return safely(
        () => decideFacts(action, computeFacts(action, resolver), ctx),
        (e) => base(null, "deny", `policy engine error: ${(e as Error)?.message ?? String(e)}`),
      );
    },
    explain(action, ctx = {}) {
      return safely(
        () => {
          const f = computeFacts(action, resolver);
          const decision = decideFacts(action, f, ctx);
          const c: EvalContext = { now: ctx.now ?? clock() };
          const trace: TraceStep[] =
            f.invalid !== null
              ? []
              : rs.rules
                  .filter((r) => r.tests[0]?.test(f, c))
                  .map((r) => ({
                    rule: r.id,
                    file: r.file,
                    line: r.line,
                    effect: r.effect,
                    fallback: r.spec.fallback,
                    failed: firstFailure(r, f, c),
                  }));
          if (f.invalid === null) {
            for (const g of ctx.grants ?? []) {
              if (g.task !== action.task) continue;
              const cg = grantOf(g);
              const expired = g.expiresAt !== undefined && g.expiresAt <= c.now;
              trace.push({
                rule: `grant:${g.id}`,
                file: "task grant",
                line: 0,
                effect: "allow",
                fallback: false,
                failed: expired ? "expiresAt" : cg === null ? "grant (invalid)" : firstFailure(cg.match, f, c),
              });
            }
          }
          return { decision, trace };
        },
        (e) => ({ decision: base(null, "deny", `policy engine error: ${String(e)}`), trace: [] }),
      );
    },
  };
}
