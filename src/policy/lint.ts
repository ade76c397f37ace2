// `warden policy lint`: load errors, plus warnings for rules that can never decide (shadowed) and allows that a
// wrapper or a broad glob makes meaningless. Pure data out; formatLint renders it. Must never modify a policy.
import type { Bucket, CompiledRule, RuleIndex, RuleSet } from "./compile.js";
import type { CompiledPolicy } from "./engine.js";
import { widenedFields } from "./grants.js";
import type { PolicyIssue } from "./load.js";
import { type LoadOptions, loadPolicyDir } from "./policy.js";
import { WRAPPER_PROGRAMS } from "./wrappers.js";

export interface LintResult {
  errors: PolicyIssue[];
  warnings: PolicyIssue[];
  /** Version hash of the policy linted, when it loaded. */
  version: string | null;
}

const RANK = { deny: 3, ask: 2, allow: 1 } as const;
const WRAPPERS = new Set<string>(WRAPPER_PROGRAMS);
const BROAD = new Set(["/**", "**", "/*/**"]);

function at(r: CompiledRule, message: string, field = "match"): PolicyIssue {
  return { file: r.file, line: r.line, field: `${r.id}.${field}`, message };
}

/** s decides every action r would match, before r gets a chance. */
function shadows(s: CompiledRule, r: CompiledRule): boolean {
  if (s === r) return false;
  if (s.spec.fallback && !r.spec.fallback) return false;
  const sameTier = s.spec.fallback === r.spec.fallback;
  if (sameTier && RANK[s.effect] < RANK[r.effect]) return false;
  if (sameTier && s.effect === r.effect && s.order > r.order) return false;
  // A deny/ask with `secrets` only catches actions using those secrets: not a cover.
  if (s.effect !== "allow" && s.spec.match.secrets !== undefined) return false;
  return (
    widenedFields({ match: r.spec.match, when: r.spec.when }, { match: s.spec.match, when: s.spec.when }).length === 0
  );
}

/**
 * The rules that could cover r, from the index (so lint stays fast at 10,000 rules): a cover constrains no more than
 * r does, so it sits in r's tool's generic bucket or in the buckets of r's own executables and hosts.
 */
function coverCandidates(rs: RuleSet, r: CompiledRule): CompiledRule[] {
  const out: CompiledRule[] = [];
  const indexes: RuleIndex[] = r.spec.fallback ? [rs.main, rs.fallback] : [rs.main];
  const add = (b: Bucket | undefined) => {
    if (b !== undefined) out.push(...b.deny, ...b.ask, ...b.allow);
  };
  for (const ri of indexes) {
    add(ri.wildTools);
    for (const t of r.tools ?? []) {
      const idx = ri.byTool.get(t);
      if (idx === undefined) continue;
      add(idx.generic);
      for (const e of r.exes ?? []) add(idx.byExe.get(e));
      for (const h of r.hosts ?? []) {
        add(idx.byHost.get(h));
        add(idx.byWildHost.get(h.slice(h.indexOf(".") + 1)));
      }
      for (const h of r.wildHosts ?? []) add(idx.byWildHost.get(h));
    }
  }
  return out.sort((a, b) => a.order - b.order);
}

/** The profiles the policy's rules name in `when.profile`. */
export function namedProfiles(policy: Pick<CompiledPolicy, "rules">): Set<string> {
  const out = new Set<string>();
  for (const r of policy.rules) for (const p of r.spec.when?.profile ?? []) out.add(p);
  return out;
}

/** A profile some schedules run under, and where they are defined (for the warning). */
export interface ProfileUse {
  profile: string;
  schedules: string[];
  /** e.g. "warden.yaml" or "added with warden schedule add". */
  where: string;
}

/** Warnings for profiles schedules run under that no rule names: a typo would otherwise change nothing, silently. */
export function lintProfiles(policy: Pick<CompiledPolicy, "rules">, uses: readonly ProfileUse[]): PolicyIssue[] {
  const named = namedProfiles(policy);
  return uses
    .filter((u) => !named.has(u.profile))
    .map((u) => {
      const many = u.schedules.length > 1;
      const who = `schedule${many ? "s" : ""} ${u.schedules.join(", ")} (${u.where}) run${many ? "" : "s"}`;
      return {
        file: "",
        line: 1,
        field: `profile ${u.profile}`,
        message: `${who} under profile "${u.profile}", but no rule names it (when: {profile: ${u.profile}}): the profile changes nothing, so ${many ? "their" : "its"} runs get only what every scheduled run gets`,
      };
    });
}

export function lintCompiled(policy: CompiledPolicy): PolicyIssue[] {
  const warnings: PolicyIssue[] = [...policy.ruleSet.warnings];
  const rules = policy.rules;
  if (rules.length === 0) warnings.push({ file: "", line: 1, field: "", message: "no rules: every action is denied" });
  for (const r of rules) {
    const cover = coverCandidates(policy.ruleSet, r).find((s) => shadows(s, r));
    if (cover !== undefined) {
      const how = cover.effect === r.effect ? "duplicates" : `is shadowed by the ${cover.effect} rule`;
      warnings.push(at(r, `never decides: it ${how} "${cover.id}" (${cover.file}:${cover.line})`));
    }
    if (r.effect !== "allow") continue;
    const m = r.spec.match;
    for (const e of m.executable ?? []) {
      const base = e.split("/").pop() ?? e;
      if (WRAPPERS.has(base) && m.argv === undefined)
        warnings.push(
          at(r, `allows "${base}" with any arguments: that runs any program (wrappers are never seen through)`),
        );
    }
    for (const w of m.wrappers ?? [])
      warnings.push(at(r, `names the wrapper "${w}": it can run any code`, "match.wrappers"));
    if (r.tools === null && r.spec.match.tool.some((t) => t === "**" || t === "*"))
      warnings.push(at(r, "allows every tool", "match.tool"));
    if (m.tool.includes("exec") && m.executable === undefined)
      warnings.push(at(r, "allows every program (no executable named); wrappers still need their own rule"));
    for (const p of [...(m.path ?? []), ...(m.cwd ?? [])])
      if (BROAD.has(p)) warnings.push(at(r, `"${p}" matches every file: the allow means nothing`, "match.path"));
    if (m.tool.includes("http_request") && m.host === undefined)
      warnings.push(at(r, "allows requests to every host", "match.host"));
  }
  return warnings;
}

/** `profiles`: the profiles schedules run under, each warned about when no rule names it. */
export function lintPolicyDir(
  dir: string,
  options: LoadOptions = {},
  profiles: readonly ProfileUse[] = [],
): LintResult {
  const loaded = loadPolicyDir(dir, options);
  if (!loaded.ok) {
    const issues = (loaded.error.details.data?.issues as PolicyIssue[] | undefined) ?? [
      { file: dir, line: 1, field: "", message: loaded.error.message },
    ];
    return { errors: issues, warnings: [], version: null };
  }
  const warnings = [...lintCompiled(loaded.value), ...lintProfiles(loaded.value, profiles)];
  return { errors: [], warnings, version: loaded.value.version };
}

export function formatLint(r: LintResult): string {
  const line = (kind: string, i: PolicyIssue) =>
    `${kind} ${i.file === "" ? "" : `${i.file}:${i.line}: `}${i.field === "" ? "" : `${i.field}: `}${i.message}`;
  const out = [...r.errors.map((i) => line("error", i)), ...r.warnings.map((i) => line("warning", i))];
  out.push(`${r.errors.length} error(s), ${r.warnings.length} warning(s)`);
  return out.join("\n");
}
