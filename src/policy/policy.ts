// Loading a policy folder end to end: read, validate, compile, check examples. The daemon calls this at start-up and
// refuses to start on an error. Must never return an empty policy in place of an invalid one.
import { err, ok, type Result } from "../errors.js";
import type { YamlCache } from "../home/index.js";
import { checkExamples, compileRules } from "./compile.js";
import { type CompiledPolicy, createCompiledPolicy } from "./engine.js";
import { issuesError, type ParseCache, type PolicySource, parsePolicyText, readPolicyDir } from "./load.js";
import { createNodeResolver, type Resolver } from "./resolve.js";

/** The PATH used to resolve executables when none is given: what the sandbox offers. */
export const DEFAULT_SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin";

export interface LoadOptions {
  /** Reuse parsed files whose text did not change (the watcher keeps one across reloads). */
  parseCache?: ParseCache;
  /** Parsed YAML kept across daemon restarts (<home>/run/yaml-cache.json). */
  yamlCache?: YamlCache;
  /** Defaults to the real filesystem with DEFAULT_SANDBOX_PATH. */
  resolver?: Resolver;
  /** Epoch milliseconds; defaults to Date.now (time windows, grant expiry). */
  clock?: () => number;
}

export function compileSources(sources: readonly PolicySource[], options: LoadOptions = {}): Result<CompiledPolicy> {
  const resolver = options.resolver ?? createNodeResolver({ pathEnv: DEFAULT_SANDBOX_PATH });
  const clock = options.clock ?? Date.now;
  const rs = compileRules(sources, resolver);
  if (!rs.ok) return rs;
  const policy = createCompiledPolicy(rs.value, resolver, clock);
  const failed = checkExamples(sources, (a) => policy.decide(a));
  if (failed.length > 0) return err(issuesError(failed));
  return ok(policy);
}

/** Load, validate and compile every *.yaml of a policy folder. Errors name file:line and field. */
export function loadPolicyDir(dir: string, options: LoadOptions = {}): Result<CompiledPolicy> {
  const { sources, issues } = readPolicyDir(dir, options.parseCache, options.yamlCache);
  if (issues.length > 0) return err(issuesError(issues));
  return compileSources(sources, options);
}

/** Compile policy text given in memory (one or more named files), e.g. a candidate policy or a test. */
export function compilePolicyTexts(files: Record<string, string>, options: LoadOptions = {}): Result<CompiledPolicy> {
  const sources: PolicySource[] = [];
  for (const name of Object.keys(files).sort()) {
    const out = parsePolicyText(name, files[name] as string);
    if (out.issues.length > 0) return err(issuesError(out.issues));
    if (out.source) sources.push(out.source);
  }
  return compileSources(sources, options);
}
