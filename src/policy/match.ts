// A rule's match/when block compiled into a list of field tests over Facts. Shared by rules and task grants.
// Must never compile a constraint into "always true": a field that cannot hold makes the test fail (or the load fail).
import { posix } from "node:path";
import type { Facts } from "./facts.js";
import { normalizeHost } from "./facts.js";
import { type GlobMatch, globMatcher, isLiteralGlob } from "./glob.js";
import type { Resolver } from "./resolve.js";
import type { Effect, MatchSpec, WhenSpec } from "./schema.js";
import { WRAPPER_PROGRAMS } from "./wrappers.js";

const WRAPPER_NAMES = new Set<string>(WRAPPER_PROGRAMS);

export interface EvalContext {
  /** Epoch milliseconds. */
  now: number;
}

export interface FieldTest {
  field: string;
  test(f: Facts, c: EvalContext): boolean;
}

export interface CompiledMatch {
  tests: FieldTest[];
  /** Literal tool names, or null when a glob is among them (then `toolGlobs` decides). */
  tools: string[] | null;
  toolGlobs: GlobMatch[];
  /** Real paths of the named executables (unresolvable names are dropped and reported). */
  exes: string[] | null;
  /** Exact hosts, and the parents of "*." hosts, for the index. */
  hosts: string[] | null;
  wildHosts: string[] | null;
  /** Names an allow uses to see a wrapper: executables as written (and what a named wrapper resolves to), plus `wrappers:`. */
  named: Set<string>;
  warnings: string[];
}

// The one variable a path pattern may use (a plain string, not a template).
const WS = ["$", "{workspace}"].join("");

function pathTest(patterns: string[], pick: (f: Facts) => string | null, field: string): FieldTest {
  const abs: Array<(s: string) => boolean> = [];
  const inWs: Array<(s: string) => boolean> = [];
  for (const p of patterns) {
    if (p.startsWith(WS)) {
      const rest = p.slice(WS.length);
      if (rest !== "" && !rest.startsWith("/")) throw new Error(`${field}: after \${workspace} comes "/" (${p})`);
      if (rest.split("/").includes("..")) throw new Error(`${field}: ".." in a pattern (${p})`);
      inWs.push(globMatcher(rest === "" ? "/" : rest, "/"));
    } else if (p.startsWith("/")) {
      if (p.includes("${")) throw new Error(`${field}: only \${workspace} may be used, at the start (${p})`);
      if (p.split("/").includes("..")) throw new Error(`${field}: ".." in a pattern (${p})`);
      abs.push(globMatcher(p, "/"));
    } else throw new Error(`${field}: a path pattern is absolute or starts with \${workspace} (${p})`);
  }
  return {
    field,
    test(f) {
      const v = pick(f);
      if (v === null) return false;
      if (abs.some((m) => m(v))) return true;
      const ws = f.workspace;
      if (ws === null || inWs.length === 0) return false;
      let rel: string;
      if (v === ws) rel = "/";
      else if (v.startsWith(ws === "/" ? "/" : `${ws}/`)) rel = ws === "/" ? v : v.slice(ws.length);
      else return false;
      return inWs.some((m) => m(rel) || (rel === "/" && m("")));
    },
  };
}

function setTest(field: string, values: Iterable<string | number>, pick: (f: Facts) => string | number | null) {
  const set = new Set(values);
  return { field, test: (f: Facts) => set.has(pick(f) as string) };
}

/** argv patterns against argv[1..]: "**" takes any number of arguments, other patterns exactly one. */
function argvMatcher(patterns: string[]): (args: readonly string[]) => boolean {
  const res = patterns.map((p) => (p === "**" ? null : globMatcher(p, null)));
  return (args) => {
    // reach[j]: patterns[0..i) can consume args[0..j)
    let reach = new Uint8Array(args.length + 1);
    reach[0] = 1;
    for (const re of res) {
      const next = new Uint8Array(args.length + 1);
      for (let j = 0; j <= args.length; j++) {
        if (!reach[j]) continue;
        if (re === null) {
          next.fill(1, j);
          break;
        }
        if (j < args.length && re(args[j] as string)) next[j + 1] = 1;
      }
      reach = next;
    }
    return reach[args.length] === 1;
  };
}

function timeTest(t: NonNullable<WhenSpec["time"]>): FieldTest {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: t.tz,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
  } catch {
    throw new Error(`when.time.tz: unknown time zone "${t.tz}"`);
  }
  const mins = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3));
  const from = mins(t.from);
  const to = mins(t.to);
  const days = t.days === undefined ? null : new Set<string>(t.days);
  return {
    field: "when.time",
    test(_f, c) {
      const parts = fmt.formatToParts(new Date(c.now));
      const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
      const day = get("weekday").toLowerCase().slice(0, 3);
      const m = Number(get("hour")) * 60 + Number(get("minute"));
      if (days !== null && !days.has(day)) return false;
      return from <= to ? m >= from && m < to : m >= from || m < to;
    },
  };
}

export function compileMatch(
  m: MatchSpec,
  when: WhenSpec | undefined,
  effect: Effect,
  resolver: Resolver,
): CompiledMatch {
  const tests: FieldTest[] = [];
  const warnings: string[] = [];
  const literal = m.tool.every(isLiteralGlob);
  const toolGlobs = literal ? [] : m.tool.map((t) => globMatcher(t, "."));
  const toolSet = new Set(m.tool);
  tests.push({ field: "tool", test: (f) => (literal ? toolSet.has(f.tool) : toolGlobs.some((g) => g(f.tool))) });

  const named = new Set<string>(m.wrappers ?? []);
  let exes: string[] | null = null;
  if (m.executable) {
    exes = [];
    for (const e of m.executable) {
      named.add(posix.basename(e));
      const real = resolver.which(e);
      if (real === null) warnings.push(`executable "${e}" is not found: this rule cannot match it`);
      else {
        exes.push(real);
        // "sh" may really be dash: naming a wrapper names what it resolves to. Never the other way round: "ls"
        // resolving to busybox must not name busybox (that would allow every applet).
        if (WRAPPER_NAMES.has(posix.basename(e))) named.add(posix.basename(real));
      }
    }
    const set = new Set(exes);
    tests.push({ field: "executable", test: (f) => f.exe !== null && set.has(f.exe) });
  }
  if (m.argv) {
    const fits = argvMatcher(m.argv);
    tests.push({ field: "argv", test: (f) => f.exeName !== null && fits(f.args) });
  }
  if (m.argvNone) {
    const res = m.argvNone.map((p) => globMatcher(p, null));
    tests.push({ field: "argvNone", test: (f) => !f.args.some((a) => res.some((m) => m(a))) });
  }
  if (effect === "allow") {
    // Wrappers are never seen through: an allow matches one only if it names every wrapper the argv is.
    tests.push({
      field: "wrapper",
      test: (f) => f.wrappers.every((w) => named.has(w)),
    });
  }
  if (m.cwd) tests.push(pathTest(m.cwd, (f) => f.cwd, "cwd"));
  if (m.path) tests.push(pathTest(m.path, (f) => f.path, "path"));
  if (m.scheme)
    tests.push(
      setTest(
        "scheme",
        m.scheme.map((s) => s.toLowerCase()),
        (f) => f.scheme,
      ),
    );
  let hosts: string[] | null = null;
  let wildHosts: string[] | null = null;
  if (m.host) {
    hosts = [];
    wildHosts = [];
    for (const h of m.host) {
      const wild = h.startsWith("*.");
      const norm = normalizeHost(wild ? h.slice(2) : h);
      if (norm === null || norm.includes("*")) throw new Error(`host: "${h}" is not a host name (or "*." + one)`);
      (wild ? wildHosts : hosts).push(norm);
    }
    const exact = new Set(hosts);
    const parents = new Set(wildHosts);
    tests.push({
      field: "host",
      test: (f) => {
        if (f.host === null) return false;
        if (exact.has(f.host)) return true;
        const dot = f.host.indexOf(".");
        return dot > 0 && parents.has(f.host.slice(dot + 1));
      },
    });
  }
  if (m.port) tests.push(setTest("port", m.port, (f) => f.port));
  if (m.method)
    tests.push(
      setTest(
        "method",
        m.method.map((s) => s.toUpperCase()),
        (f) => f.method,
      ),
    );
  if (m.urlPath) {
    const res = m.urlPath.map((p) => globMatcher(p, "/"));
    tests.push({ field: "urlPath", test: (f) => f.urlPath !== null && res.some((m) => m(f.urlPath as string)) });
  }
  if (m.channel) tests.push(setTest("channel", m.channel, (f) => f.channel));
  if (m.to) {
    const ids = new Set(m.to);
    tests.push({
      field: "to",
      test: (f) =>
        f.to !== null &&
        (ids.has(f.to) || (ids.has("others") && f.to !== "owner") || (ids.has("owner") && f.to === "owner")),
    });
  }
  const secretSet = new Set(m.secrets ?? []);
  if (effect === "allow") {
    // Secrets are deny-by-default too: an allow covers only the secrets it lists.
    tests.push({ field: "secrets", test: (f) => f.secrets.every((s) => secretSet.has(s)) });
  } else if (m.secrets) tests.push({ field: "secrets", test: (f) => f.secrets.some((s) => secretSet.has(s)) });
  if (m.args) {
    const entries = Object.entries(m.args).map(([k, p]) => [k, globMatcher(p, null)] as const);
    tests.push({
      field: "args",
      test: (f) =>
        entries.every(([k, re]) => {
          const v = f.toolArgs[k];
          return typeof v === "string" && re(v);
        }),
    });
  }
  if (when?.taint) tests.push(setTest("when.taint", when.taint, (f) => f.taint));
  if (when?.principal) tests.push(setTest("when.principal", when.principal, (f) => f.principal));
  if (when?.profile) tests.push(setTest("when.profile", when.profile, (f) => f.profile));
  if (when?.time) tests.push(timeTest(when.time));
  if (when?.budget) {
    const need = Object.entries(when.budget) as [keyof Facts["budget"], number][];
    tests.push({
      field: "when.budget",
      test: (f) =>
        need.every(([k, min]) => {
          const v = f.budget[k];
          return v !== undefined && v >= min;
        }),
    });
  }
  return { tests, tools: literal ? [...m.tool] : null, toolGlobs, exes, hosts, wildHosts, named, warnings };
}

/** The first field whose test fails, or null when the whole match holds. */
export function firstFailure(cm: CompiledMatch, f: Facts, c: EvalContext): string | null {
  for (const t of cm.tests) if (!t.test(f, c)) return t.field;
  return null;
}
