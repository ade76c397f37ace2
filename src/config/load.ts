// Reading warden.yaml: YAML syntax first, then the schema. Every problem is reported with the file, line and column,
// the field path and what was expected; the result is deep-frozen so nothing downstream can change it.
import { readFileSync } from "node:fs";
import type { Node } from "yaml";
import type * as z from "zod";
import { WardenError } from "../errors.js";
import type { YamlCache } from "../home/index.js";
import { yaml } from "../home/yaml-lib.js";
import { deepFreeze } from "./freeze.js";
import { type Config, configSchema } from "./schema.js";

export interface ConfigProblem {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
}

/**
 * Parse config text; `file` is only used in messages. An empty file means "all defaults". With a cache, unchanged
 * text skips the YAML parser (and, when this build validated it before, the schema); any validation problem is
 * still reported from a fresh parse, with lines and columns.
 */
export function parseConfig(text: string, file: string, cache?: YamlCache): Config {
  const cached = cache?.get(text);
  // Validated by this same build before: the schema would give the same answer.
  if (cached?.valid !== undefined) return deepFreeze(cached.valid as Config);
  if (cached !== undefined) {
    const quick = configSchema.safeParse(cached.data);
    if (quick.success) {
      cache?.set(text, { data: cached.data, valid: quick.data });
      return deepFreeze(quick.data);
    }
  }
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number | undefined) => {
    const pos = lineCounter.linePos(offset ?? 0);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => ({ file, ...at(e.pos[0]), path: "", message: e.message.split("\n")[0]! }));
    throw configError(file, problems);
  }
  const data: unknown = doc.toJS() ?? {};
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue) => describeIssue(issue, doc.contents, file, at));
    throw configError(file, problems);
  }
  cache?.set(text, { data, valid: parsed.data });
  return deepFreeze(parsed.data);
}

export function loadConfigFile(file: string, cache?: YamlCache): Config {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new WardenError(
      "CONFIG_INVALID",
      `cannot read ${file}: ${code ?? String(e)}`,
      { file, fix: code === "ENOENT" ? "run `warden init` to create it" : "check the file's owner and permissions" },
      { cause: e },
    );
  }
  return parseConfig(text, file, cache);
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ""}${p.message}`).join("\n");
}

function configError(file: string, problems: ConfigProblem[]): WardenError {
  const first = problems[0];
  return new WardenError("CONFIG_INVALID", `invalid config:\n${formatProblems(problems)}`, {
    file,
    line: first?.line,
    fix: "edit the file; `warden config schema` prints every key",
    data: { problems },
  });
}

type Positioner = (offset: number | undefined) => { line: number; column: number };

function describeIssue(issue: z.core.$ZodIssue, root: unknown, file: string, at: Positioner): ConfigProblem[] {
  const path = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      file,
      ...at(keyOffset(root, path, key)),
      path: [...path, key].join("."),
      message: `unknown key "${key}" (allowed here: ${allowedKeys(path).join(", ") || "none"})`,
    }));
  }
  const { node, exact } = nearestNode(root, path);
  const range = (node as { range?: [number, number, number] } | undefined)?.range;
  const message = exact ? issue.message : `missing: ${issue.message}`;
  return [{ file, ...at(range?.[0]), path: path.join("."), message: humanize(message) }];
}

function nearestNode(root: unknown, path: string[]): { node: unknown; exact: boolean } {
  const { isMap, isPair, isScalar } = yaml();
  let node: unknown = root;
  for (const key of path) {
    if (!isMap(node)) return { node, exact: false };
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
    if (!pair) return { node, exact: false };
    node = pair.value ?? pair.key;
  }
  return { node, exact: true };
}

function keyOffset(root: unknown, path: string[], key: string): number | undefined {
  const { isMap, isScalar } = yaml();
  const { node } = nearestNode(root, path);
  if (!isMap(node)) return (node as Node | undefined)?.range?.[0];
  const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  return (pair?.key as Node | undefined)?.range?.[0];
}

function allowedKeys(path: string[]): string[] {
  // Walk the schema's shape along the path; only objects have keys to suggest.
  let shape: unknown = configSchema;
  for (const key of path) {
    const inner = unwrap(shape);
    const next = (inner as { shape?: Record<string, unknown> } | undefined)?.shape?.[key];
    if (!next) return [];
    shape = next;
  }
  const obj = unwrap(shape) as { shape?: Record<string, unknown> } | undefined;
  return Object.keys(obj?.shape ?? {});
}

/** Through defaults, optionals, pipes and lazy wrappers to the schema that has the shape. */
function unwrap(schema: unknown): unknown {
  type Wrapper = { def?: { innerType?: unknown; in?: unknown; getter?: () => unknown } } | undefined;
  let s = schema as Wrapper;
  for (let next = s?.def && (s.def.innerType ?? s.def.in ?? s.def.getter?.()); next; ) {
    s = next as Wrapper;
    next = s?.def && (s.def.innerType ?? s.def.in ?? s.def.getter?.());
  }
  return s;
}

function humanize(message: string): string {
  return message.replace(/^(Invalid input|Invalid option|Too big|Too small): /, "");
}
