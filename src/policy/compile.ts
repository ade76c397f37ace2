// Compiling validated policy files into an indexed rule set with a version hash, and checking rule examples.
// Must never hand out a policy whose rules failed to compile or whose examples disagree with it.
import { createHash } from "node:crypto";
import { posix } from "node:path";
import { err, ok, type Result } from "../errors.js";
import type { Action } from "./action.js";
import { issuesError, type PolicyIssue, type PolicySource } from "./load.js";
import { type CompiledMatch, compileMatch } from "./match.js";
import type { Resolver } from "./resolve.js";
import type { Effect, RuleSpec } from "./schema.js";

export interface CompiledRule extends CompiledMatch {
  id: string;
  effect: Effect;
  reason: string;
  file: string;
  line: number;
  /** Position in load order (files by name, rules in file order). */
  order: number;
  /** The fields this rule tests (what a decision by it reports as matched). */
  fields: string[];
  spec: RuleSpec;
}

export type Bucket = Record<Effect, CompiledRule[]>;
const emptyBucket = (): Bucket => ({ deny: [], ask: [], allow: [] });

export interface ToolIndex {
  generic: Bucket;
  byExe: Map<string, Bucket>;
  byHost: Map<string, Bucket>;
  byWildHost: Map<string, Bucket>;
}

export interface RuleIndex {
  byTool: Map<string, ToolIndex>;
  /** Rules whose tool is a glob, for tools no rule names literally. */
  wildTools: Bucket;
}

export interface RuleSet {
  version: string;
  rules: CompiledRule[];
  main: RuleIndex;
  /** Rules marked `fallback: true`, consulted only when nothing in `main` (nor a grant) matched. */
  fallback: RuleIndex;
  warnings: PolicyIssue[];
}

export function policyVersion(sources: readonly PolicySource[]): string {
  const h = createHash("sha256");
  for (const s of sources) h.update(`${posix.basename(s.file)}\0${s.text}\0`);
  return h.digest("hex");
}

function push(map: Map<string, Bucket>, key: string, r: CompiledRule) {
  const b = map.get(key) ?? emptyBucket();
  map.set(key, b);
  b[r.effect].push(r);
}

function toolIndex(): ToolIndex {
  return { generic: emptyBucket(), byExe: new Map(), byHost: new Map(), byWildHost: new Map() };
}

function place(idx: ToolIndex, r: CompiledRule) {
  if (r.exes !== null) for (const e of r.exes) push(idx.byExe, e, r);
  else if (r.hosts !== null && r.wildHosts !== null) {
    for (const h of r.hosts) push(idx.byHost, h, r);
    for (const h of r.wildHosts) push(idx.byWildHost, h, r);
  } else idx.generic[r.effect].push(r);
}

/** Compile rules and build the index. Examples are checked separately (they need a decide function). */
export function compileRules(sources: readonly PolicySource[], resolver: Resolver): Result<RuleSet> {
  const issues: PolicyIssue[] = [];
  const warnings: PolicyIssue[] = [];
  const rules: CompiledRule[] = [];
  const seen = new Map<string, string>();
  for (const src of sources) {
    src.spec.rules.forEach((spec, i) => {
      const line = src.lineOf(["rules", i]);
      const where = `${src.file}:${line}`;
      const prev = seen.get(spec.id);
      if (prev !== undefined) {
        issues.push({
          file: src.file,
          line,
          field: `rules.${i}.id`,
          message: `duplicate rule id "${spec.id}" (first at ${prev})`,
        });
        return;
      }
      seen.set(spec.id, where);
      try {
        const m = compileMatch(spec.match, spec.when, spec.effect, resolver);
        for (const w of m.warnings) warnings.push({ file: src.file, line, field: `rules.${i}.match`, message: w });
        rules.push({
          ...m,
          fields: m.tests.map((t) => t.field),
          id: spec.id,
          effect: spec.effect,
          reason: spec.reason,
          file: src.file,
          line,
          order: rules.length,
          spec,
        });
      } catch (e) {
        // Glob, host and time-zone errors come from compileMatch as plain Errors naming the field.
        issues.push({ file: src.file, line, field: `rules.${i}.match`, message: (e as Error).message });
      }
    });
  }
  if (issues.length > 0) return err(issuesError(issues));

  const main = buildIndex(rules.filter((r) => !r.spec.fallback));
  const fallback = buildIndex(rules.filter((r) => r.spec.fallback));
  return ok({ version: policyVersion(sources), rules, main, fallback, warnings });
}

function buildIndex(rules: readonly CompiledRule[]): RuleIndex {
  const byTool = new Map<string, ToolIndex>();
  const wildTools = emptyBucket();
  for (const r of rules) {
    if (r.tools === null) continue;
    for (const t of r.tools) {
      const idx = byTool.get(t) ?? toolIndex();
      byTool.set(t, idx);
      place(idx, r);
    }
  }
  for (const r of rules) {
    if (r.tools !== null) continue;
    wildTools[r.effect].push(r);
    for (const [t, idx] of byTool) if (r.toolGlobs.some((g) => g(t))) place(idx, r);
  }
  // Buckets keep load order so the first matching rule of an effect is the one reported.
  const sortAll = (b: Bucket) => {
    for (const e of ["deny", "ask", "allow"] as const) b[e].sort((x, y) => x.order - y.order);
  };
  sortAll(wildTools);
  for (const idx of byTool.values()) {
    sortAll(idx.generic);
    for (const m of [idx.byExe, idx.byHost, idx.byWildHost]) for (const b of m.values()) sortAll(b);
  }
  return { byTool, wildTools };
}

/** Every rule example must get the effect it is filed under; failures name the example's file:line. */
export function checkExamples(
  sources: readonly PolicySource[],
  decide: (a: Action) => { effect: Effect; rule: string | null },
): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  for (const src of sources) {
    src.spec.rules.forEach((spec, i) => {
      for (const want of ["allow", "ask", "deny"] as const) {
        (spec.examples?.[want] ?? []).forEach((ex, j) => {
          const got = decide(ex);
          if (got.effect === want) return;
          const field = `rules.${i}.examples.${want}.${j}`;
          issues.push({
            file: src.file,
            line: src.lineOf(["rules", i, "examples", want, j]),
            field,
            message: `example of rule "${spec.id}" should be ${want} but is ${got.effect} (rule ${got.rule ?? "none"})`,
          });
        });
      }
    });
  }
  return issues;
}
