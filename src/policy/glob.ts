// Glob patterns of policy rules compiled to anchored regular expressions, for paths, tool names and argv elements.
// Must never interpret anything the pattern did not say: every character other than * ? { } , is literal.

export type GlobSeparator = "/" | "." | null;

function escapeChar(ch: string): string {
  return /[\\^$.*+?()[\]{}|]/.test(ch) ? `\\${ch}` : ch;
}

/**
 * `**` crosses separators (and `/**` at the end also matches the folder itself), `*` and `?` stay within one
 * segment, `{a,b}` is one of the alternatives. With no separator `*` matches anything.
 * Throws on an unbalanced brace: callers turn that into a load error naming the rule.
 */
export function globToRegExp(pattern: string, sep: GlobSeparator): RegExp {
  const any = sep === null ? "." : `[^${escapeChar(sep)}]`;
  const s = sep === null ? "" : escapeChar(sep);
  let out = "";
  let inBrace = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === "*" && pattern[i + 1] === "*") {
      const prevSep = sep !== null && (i === 0 || pattern[i - 1] === sep);
      const next = pattern[i + 2];
      if (sep !== null && prevSep && next === sep) {
        out += `(?:.*${s})?`; // "a/**/b" also matches "a/b"
        i += 2;
      } else if (sep !== null && prevSep && next === undefined && i > 0) {
        out = `${out.slice(0, -s.length)}(?:${s}.*)?`; // "a/**" also matches "a"
        i += 1;
      } else {
        out += ".*";
        i += 1;
      }
    } else if (ch === "*") out += `${any}*`;
    else if (ch === "?") out += any;
    else if (ch === "{") {
      if (inBrace) throw new Error("nested { in glob");
      inBrace = true;
      out += "(?:";
    } else if (ch === "}") {
      if (!inBrace) throw new Error("unbalanced } in glob");
      inBrace = false;
      out += ")";
    } else if (ch === "," && inBrace) out += "|";
    else out += escapeChar(ch);
  }
  if (inBrace) throw new Error("unclosed { in glob");
  return new RegExp(`^${out}$`, "u");
}

/** True when the pattern has no glob syntax at all (it can be compared, and indexed, as a plain string). */
export function isLiteralGlob(pattern: string): boolean {
  return !/[*?{}]/.test(pattern);
}

const cache = new Map<string, (s: string) => boolean>();

/**
 * A predicate for a glob, shared between rules using the same pattern. Literal patterns and "literal/**" take a
 * string comparison instead of a regular expression (the common case, and the hot path of every decision).
 */
export function globMatcher(pattern: string, sep: GlobSeparator): (s: string) => boolean {
  const key = `${sep ?? ""}\0${pattern}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let fn: (s: string) => boolean;
  if (isLiteralGlob(pattern)) fn = (s) => s === pattern;
  else if (sep === "/" && pattern.endsWith("/**") && pattern.length > 3 && isLiteralGlob(pattern.slice(0, -3))) {
    const root = pattern.slice(0, -3);
    const prefix = `${root}/`;
    fn = (s) => s === root || s.startsWith(prefix);
  } else {
    const re = globToRegExp(pattern, sep);
    fn = (s) => re.test(s);
  }
  if (cache.size < 100_000) cache.set(key, fn);
  return fn;
}
