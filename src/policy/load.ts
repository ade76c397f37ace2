// Reading policy files: YAML with positions, validated by the zod schema, every problem named by file:line and field.
// Must never return a partial policy: one bad file fails the whole load (the caller keeps the last valid one).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Document, LineCounter } from "yaml";
import { WardenError } from "../errors.js";
import type { YamlCache } from "../home/index.js";
import { yaml } from "../home/yaml-lib.js";
import { type PolicyFileSpec, policyFileSchema } from "./schema.js";

export interface PolicyIssue {
  file: string;
  line: number;
  /** Dotted path of the field, e.g. "rules.3.match.host" ("" for the whole file). */
  field: string;
  message: string;
}

export interface PolicySource {
  /** Path as given (folder + file name). */
  file: string;
  text: string;
  spec: PolicyFileSpec;
  /** Line of a YAML node at a path such as ["rules", 2] or ["rules", 2, "examples", "allow", 0]. */
  lineOf(path: ReadonlyArray<string | number>): number;
}

export const MAX_POLICY_FILE_BYTES = 4 * 1024 * 1024;

export function issuesError(issues: PolicyIssue[]): WardenError {
  const first = issues[0];
  const shown = issues.slice(0, 5).map(formatIssue).join("\n");
  const more = issues.length > 5 ? `\n(and ${issues.length - 5} more)` : "";
  return new WardenError("POLICY_INVALID", `invalid policy:\n${shown}${more}`, {
    file: first?.file,
    line: first?.line,
    fix: "fix the policy file, then `warden policy lint`",
    data: { issues },
  });
}

export function formatIssue(i: PolicyIssue): string {
  return `${i.file}:${i.line}: ${i.field === "" ? "" : `${i.field}: `}${i.message}`;
}

function lineFinder(doc: Document, counter: LineCounter) {
  const { isNode, isSeq } = yaml();
  // Rule lines are asked for once per rule: index them in one pass (getIn walks a sequence from its start).
  const rules = doc.get("rules", true);
  const ruleLines = isSeq(rules)
    ? rules.items.map((n) => (isNode(n) && n.range ? counter.linePos(n.range[0]).line : 1))
    : [];
  return (path: ReadonlyArray<string | number>): number => {
    if (path.length === 2 && path[0] === "rules" && typeof path[1] === "number") {
      const line = ruleLines[path[1]];
      if (line !== undefined) return line;
    }
    // Walk up to the nearest node that exists (a missing field is reported at its parent).
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
    }
    return 1;
  };
}

/**
 * Parse and validate one file's text. With a YAML cache, unchanged text skips the YAML parser (and, when this build
 * validated it before, the schema); a cached document that no longer validates is parsed again, so every issue keeps
 * its line.
 */
export function parsePolicyText(
  file: string,
  text: string,
  yamlCache?: YamlCache,
): { source?: PolicySource; issues: PolicyIssue[] } {
  const cached = yamlCache?.get(text);
  if (cached?.lines !== undefined) {
    const lineOf = linesFrom(cached.lines);
    // Validated by this same build before: the schema would give the same answer.
    if (cached.valid !== undefined)
      return { source: { file, text, spec: cached.valid as PolicyFileSpec, lineOf }, issues: [] };
    const quick = policyFileSchema.safeParse(cached.data ?? {});
    if (quick.success) {
      yamlCache?.set(text, { data: cached.data, lines: cached.lines, valid: quick.data });
      return { source: { file, text, spec: quick.data, lineOf }, issues: [] };
    }
  }
  const { LineCounter, parseDocument } = yaml();
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      issues: doc.errors.map((e) => ({
        file,
        line: counter.linePos(e.pos[0]).line,
        field: "",
        message: `YAML: ${e.message.split("\n")[0]}`,
      })),
    };
  }
  const lineOf = lineFinder(doc, counter);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return { issues: [{ file, line: 1, field: "", message: `YAML: ${(e as Error).message}` }] };
  }
  const parsed = policyFileSchema.safeParse(data ?? {});
  if (!parsed.success) {
    return {
      issues: parsed.error.issues.map((i) => {
        const path = i.path.filter((p): p is string | number => typeof p !== "symbol");
        return { file, line: lineOf(path), field: path.join("."), message: i.message };
      }),
    };
  }
  const lines = keptLines(parsed.data, lineOf);
  yamlCache?.set(text, { data, lines, valid: parsed.data });
  return { source: { file, text, spec: parsed.data, lineOf: linesFrom(lines) }, issues: [] };
}

/**
 * The lines a valid file can still be asked about (rules and their examples), copied out so the YAML document is
 * not kept alive for the life of the policy.
 */
function keptLines(
  spec: PolicyFileSpec,
  lineOf: (path: ReadonlyArray<string | number>) => number,
): Record<string, number> {
  const lines: Record<string, number> = {};
  spec.rules.forEach((rule, i) => {
    lines[`rules.${i}`] = lineOf(["rules", i]);
    for (const kind of ["allow", "ask", "deny"] as const) {
      (rule.examples?.[kind] ?? []).forEach((_, j) => {
        lines[`rules.${i}.examples.${kind}.${j}`] = lineOf(["rules", i, "examples", kind, j]);
      });
    }
  });
  return lines;
}

function linesFrom(lines: Readonly<Record<string, number>>) {
  const known = new Map(Object.entries(lines));
  return (path: ReadonlyArray<string | number>): number => {
    for (let n = path.length; n > 0; n--) {
      const line = known.get(path.slice(0, n).join("."));
      if (line !== undefined) return line;
    }
    return 1;
  };
}

/** The policy files of a folder, in name order: *.yaml and *.yml, hidden and editor backup files ignored. */
export function listPolicyFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isFile() && /^[^.].*\.ya?ml$/.test(d.name))
    .map((d) => d.name)
    .sort();
}

/** Read and validate every file of a policy folder. A missing folder is an error, an empty one is not. */
/** Parsed files by path, reused while a file's text is unchanged (a reload re-parses only the edited files). */
export type ParseCache = Map<string, { text: string; source: PolicySource }>;

export function readPolicyDir(
  dir: string,
  cache?: ParseCache,
  yamlCache?: YamlCache,
): { sources: PolicySource[]; issues: PolicyIssue[] } {
  let names: string[];
  try {
    names = listPolicyFiles(dir);
  } catch (e) {
    return {
      sources: [],
      issues: [{ file: dir, line: 1, field: "", message: `cannot read the policy folder: ${(e as Error).message}` }],
    };
  }
  const sources: PolicySource[] = [];
  const issues: PolicyIssue[] = [];
  if (cache !== undefined) {
    const present = new Set(names.map((n) => join(dir, n)));
    for (const file of cache.keys()) if (!present.has(file)) cache.delete(file);
  }
  for (const name of names) {
    const file = join(dir, name);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      issues.push({ file, line: 1, field: "", message: `cannot read: ${(e as Error).message}` });
      continue;
    }
    if (text.length > MAX_POLICY_FILE_BYTES) {
      issues.push({ file, line: 1, field: "", message: `larger than ${MAX_POLICY_FILE_BYTES} bytes` });
      continue;
    }
    const hit = cache?.get(file);
    if (hit !== undefined && hit.text === text) {
      sources.push(hit.source);
      continue;
    }
    const out = parsePolicyText(file, text, yamlCache);
    issues.push(...out.issues);
    if (out.source) {
      sources.push(out.source);
      cache?.set(file, { text, source: out.source });
    }
  }
  return { sources, issues };
}
