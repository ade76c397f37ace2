// Glob patterns of policy rules (paths, tool names, argv elements, URL paths) matched without regular expressions.
// The strings matched come from a possibly hostile model, so matching must stay polynomial and small: no
// backtracking regex (a rule like "*a*a*b" against a 64 KiB argument would otherwise hang the daemon).
// Must never interpret anything the pattern did not say: every character other than * ? { } , is literal.

export type GlobSeparator = "/" | "." | null;

export type GlobMatch = (s: string) => boolean;

/** Most alternatives a pattern's braces may expand to: more is a load error, not a slow daemon. */
export const MAX_BRACE_EXPANSION = 256;

/** True when the pattern has no glob syntax at all (it can be compared, and indexed, as a plain string). */
export function isLiteralGlob(pattern: string): boolean {
  return !/[*?{}]/.test(pattern);
}

/** "a{b,c}d{e,f}" -> [abde, abdf, acde, acdf]. No nesting. Throws on unbalanced or nested braces. */
export function expandBraces(pattern: string): string[] {
  let out = [""];
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i] as string;
    if (ch === "}") throw new Error(`unbalanced } in "${pattern}"`);
    if (ch !== "{") {
      out = out.map((o) => o + ch);
      i++;
      continue;
    }
    const end = pattern.indexOf("}", i);
    if (end < 0) throw new Error(`unclosed { in "${pattern}"`);
    const body = pattern.slice(i + 1, end);
    if (body.includes("{")) throw new Error(`nested { in "${pattern}"`);
    const alts = body.split(",");
    if (out.length * alts.length > MAX_BRACE_EXPANSION) throw new Error(`too many {,} alternatives in "${pattern}"`);
    out = out.flatMap((o) => alts.map((a) => o + a));
    i = end + 1;
  }
  return out;
}

/**
 * One segment: "*" any run of characters, "?" one character. Iterative with a single backtrack point (the last
 * star), so the cost is at most pattern length x string length.
 */
export function wildMatch(p: string, s: string): boolean {
  let pi = 0;
  let si = 0;
  let star = -1;
  let mark = 0;
  while (si < s.length) {
    const pc = p[pi];
    if (pc === "*") {
      star = pi++;
      mark = si;
    } else if (pc !== undefined && (pc === "?" || pc === s[si])) {
      pi++;
      si++;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++mark;
    } else return false;
  }
  while (p[pi] === "*") pi++;
  return pi === p.length;
}

/**
 * Segment-wise match: a whole segment "**" stands for zero or more segments (so "a/**" also matches "a" and
 * "a/**" + "/b" matches "a/b"); other segments match one segment each. Dynamic programming over (pattern
 * segment, string segment): at most P x S segment matches.
 */
function segmentsMatch(pSegs: readonly string[], s: string, sep: string): boolean {
  const sSegs = s.split(sep);
  const P = pSegs.length;
  const S = sSegs.length;
  const W = S + 1;
  // row i: can pSegs[i..] match sSegs[j..] ?
  let next = new Uint8Array(W);
  next[S] = 1;
  for (let i = P - 1; i >= 0; i--) {
    const row = new Uint8Array(W);
    const p = pSegs[i] as string;
    const literal = isLiteralGlob(p);
    for (let j = S; j >= 0; j--) {
      if (p === "**") row[j] = next[j] || (j < S && row[j + 1]) ? 1 : 0;
      else if (j < S && next[j + 1]) {
        const seg = sSegs[j] as string;
        row[j] = (literal ? p === seg : wildMatch(p, seg)) ? 1 : 0;
      }
    }
    next = row;
  }
  return next[0] === 1;
}

const cache = new Map<string, GlobMatch>();

/**
 * A predicate for a glob, shared between rules using the same pattern. `sep` "/" or "." makes "*" and "?" stay
 * within one segment; null lets them match anything. Literal patterns and "literal/**" take a plain string
 * comparison (the common case and the hot path). Throws on bad braces: callers report it as a load error.
 */
export function globMatcher(pattern: string, sep: GlobSeparator): GlobMatch {
  const key = `${sep ?? ""}\0${pattern}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const alts = expandBraces(pattern);
  const one = (p: string): GlobMatch => {
    if (isLiteralGlob(p)) return (s) => s === p;
    if (sep === null) return (s) => wildMatch(p, s);
    const rootEnd = `${sep}**`;
    if (p.endsWith(rootEnd) && p.length > 3 && isLiteralGlob(p.slice(0, -3))) {
      const root = p.slice(0, -3);
      const prefix = root + sep;
      return (s) => s === root || s.startsWith(prefix);
    }
    const segs = p.split(sep);
    return (s) => segmentsMatch(segs, s, sep);
  };
  const fns = alts.map(one);
  const fn: GlobMatch = fns.length === 1 ? (fns[0] as GlobMatch) : (s) => fns.some((f) => f(s));
  if (cache.size < 100_000) cache.set(key, fn);
  return fn;
}
