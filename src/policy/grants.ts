// Task grants: capabilities held by one task, written in the rule match vocabulary, and the attenuation check that
// keeps a sub-agent's grants within its parent's. Must never call a grant a subset unless it provably is one:
// anything it cannot prove (globs it cannot compare, unknown fields) is refused.
import { err, ok, type Result, WardenError } from "../errors.js";
import type { Grant } from "./action.js";
import { globMatcher, isLiteralGlob } from "./glob.js";
import { type CompiledMatch, compileMatch } from "./match.js";
import type { Resolver } from "./resolve.js";
import { type MatchSpec, matchSchema, type WhenSpec, whenSchema } from "./schema.js";

export interface CompiledGrant {
  grant: Grant;
  spec: { match: MatchSpec; when: WhenSpec | undefined };
  match: CompiledMatch;
}

function parseGrant(g: Grant): Result<{ match: MatchSpec; when: WhenSpec | undefined }> {
  const m = matchSchema.safeParse(g.match);
  const w = g.when === undefined ? null : whenSchema.safeParse(g.when);
  if (!m.success || (w !== null && !w.success)) {
    const issue = !m.success ? m.error.issues[0] : w?.success === false ? w.error.issues[0] : undefined;
    return err(new WardenError("POLICY_INVALID", `grant ${g.id}: ${issue?.path.join(".")}: ${issue?.message}`));
  }
  return ok({ match: m.data, when: w?.success ? w.data : undefined });
}

/** A grant compiled like an allow rule (so wrappers and secrets get the same guards). */
export function compileGrant(g: Grant, resolver: Resolver): Result<CompiledGrant> {
  const spec = parseGrant(g);
  if (!spec.ok) return spec;
  try {
    return ok({
      grant: g,
      spec: spec.value,
      match: compileMatch(spec.value.match, spec.value.when, "allow", resolver),
    });
  } catch (e) {
    return err(new WardenError("POLICY_INVALID", `grant ${g.id}: ${(e as Error).message}`));
  }
}

const subset = <T>(child: readonly T[] | undefined, parent: readonly T[] | undefined): boolean =>
  parent === undefined || (child?.every((c) => parent.includes(c)) ?? false);

/** Glob c covers no more than glob p: equal, a literal p matches, or p is "X/**" and c lies under X. */
function globWithin(c: string, p: string, sep: "/" | "." | null): boolean {
  if (c === p) return true;
  if (isLiteralGlob(c) && !c.split("/").includes("..")) return globMatcher(p, sep)(c);
  if (sep === "/" && p.endsWith("/**") && isLiteralGlob(p.slice(0, -3))) {
    const root = p.slice(0, -3);
    return c.startsWith(`${root}/`) && !c.split("/").includes("..");
  }
  return false;
}

const globsWithin = (c: string[] | undefined, p: string[] | undefined, sep: "/" | "." | null) =>
  p === undefined || (c?.every((x) => p.some((y) => globWithin(x, y, sep))) ?? false);

function hostWithin(c: string, parents: string[]): boolean {
  return parents.some((p) => {
    if (c === p) return true;
    if (!p.startsWith("*.") || c.startsWith("*.")) return false;
    const dot = c.indexOf(".");
    return dot > 0 && c.slice(dot + 1) === p.slice(2);
  });
}

function toWithin(c: string[] | undefined, p: string[] | undefined): boolean {
  if (p === undefined) return true;
  if (c === undefined) return false;
  return c.every((x) => p.includes(x) || (x !== "owner" && x !== "others" && p.includes("others")));
}

/** The fields of a child grant that are not provably within the parent's (empty: it is a subset). */
export function widenedFields(
  c: { match: MatchSpec; when: WhenSpec | undefined },
  p: { match: MatchSpec; when: WhenSpec | undefined },
): string[] {
  const cm = c.match;
  const pm = p.match;
  const out: string[] = [];
  const need = (field: string, holds: boolean) => {
    if (!holds) out.push(field);
  };
  need("tool", globsWithin(cm.tool, pm.tool, "."));
  need("executable", subset(cm.executable, pm.executable));
  need(
    "argv",
    pm.argv === undefined ||
      (cm.argv !== undefined &&
        cm.argv.length === pm.argv.length &&
        cm.argv.every((a, i) => globWithin(a, pm.argv?.[i] as string, null))),
  );
  need(
    "argvNone",
    (pm.argvNone ?? []).every((x) => (cm.argvNone ?? []).includes(x)),
  );
  need(
    "wrappers",
    (cm.wrappers ?? []).every((w) => (pm.wrappers ?? []).includes(w)),
  );
  need("cwd", globsWithin(cm.cwd, pm.cwd, "/"));
  need("path", globsWithin(cm.path, pm.path, "/"));
  need("scheme", subset(cm.scheme, pm.scheme));
  need("host", pm.host === undefined || (cm.host?.every((h) => hostWithin(h, pm.host ?? [])) ?? false));
  need("port", subset(cm.port, pm.port));
  need(
    "method",
    subset(
      cm.method?.map((m) => m.toUpperCase()),
      pm.method?.map((m) => m.toUpperCase()),
    ),
  );
  need("urlPath", globsWithin(cm.urlPath, pm.urlPath, "/"));
  need("channel", subset(cm.channel, pm.channel));
  need("to", toWithin(cm.to, pm.to));
  need(
    "secrets",
    (cm.secrets ?? []).every((s) => (pm.secrets ?? []).includes(s)),
  );
  need(
    "args",
    Object.entries(pm.args ?? {}).every(
      ([k, v]) => cm.args?.[k] !== undefined && globWithin(cm.args[k] as string, v, null),
    ),
  );
  const cw = c.when ?? {};
  const pw = p.when ?? {};
  need("when.taint", subset(cw.taint, pw.taint));
  need("when.principal", subset(cw.principal, pw.principal));
  need("when.profile", subset(cw.profile, pw.profile));
  need("when.time", pw.time === undefined || JSON.stringify(cw.time) === JSON.stringify(pw.time));
  need(
    "when.budget",
    Object.entries(pw.budget ?? {}).every(([k, v]) => {
      const mine = cw.budget?.[k as keyof typeof cw.budget];
      return mine !== undefined && v !== undefined && mine >= v;
    }),
  );
  return out;
}

/** null when every child grant lies within one live parent grant; else the reason the spawn is refused. */
export function checkAttenuation(parents: readonly Grant[], children: readonly Grant[], now: number): string | null {
  const live = parents.filter((g) => g.expiresAt === undefined || g.expiresAt > now);
  const parsedParents = live.map((g) => ({ g, spec: parseGrant(g) }));
  for (const child of children) {
    const c = parseGrant(child);
    if (!c.ok) return `sub-agent grant refused: ${c.error.message}`;
    const fits = parsedParents.some(
      ({ g, spec }) =>
        spec.ok &&
        widenedFields(c.value, spec.value).length === 0 &&
        (g.expiresAt === undefined || (child.expiresAt !== undefined && child.expiresAt <= g.expiresAt)),
    );
    if (!fits) return `sub-agent grant "${child.id}" is not within the parent's grants (attenuation)`;
  }
  return null;
}

/** The grants a sub-agent may hold: its requested grants if they are a subset of the parent's, refused otherwise. */
export function attenuate(parents: readonly Grant[], children: readonly Grant[], now: number): Result<Grant[]> {
  const refused = checkAttenuation(parents, children, now);
  return refused === null ? ok([...children]) : err(new WardenError("POLICY_DENIED", refused));
}
