// The one place approvals know anything about the shape of an action or a policy decision. Everything else in this
// domain treats an action as an opaque JSON object. When the policy engine's types settle, only this file changes.
// It must never widen what an approval covers: the binding hash covers every field the owner was shown.
import * as z from "zod";
import { canonicalJson, sha256Hex } from "../audit/index.js";
import { yaml as yamlLib } from "../home/yaml-lib.js";

/** An action as the policy engine hands it over: a JSON object (see src/policy/action.ts). */
export const actionSchema = z.lazy(() => z.record(z.string(), z.unknown()));
export type Action = z.infer<typeof actionSchema>;

export const decisionSchema = z.lazy(() =>
  z.object({
    effect: z.enum(["allow", "deny", "ask"]),
    rule: z.string().nullable(),
    reason: z.string(),
  }),
);
export type Decision = z.infer<typeof decisionSchema>;

/**
 * Runtime context that changes from one step to the next without changing what the action does: left out of the
 * binding, so re-proposing the same command after a step still matches its approval.
 */
const VOLATILE = ["budget"];
/** Also left out when deciding that two approvals were "the same" for feedback: they differ per task. */
const PER_TASK = ["task", "agent", "workspace", "taint", "principal"];

function without(action: Action, keys: string[]): Action {
  const out: Action = {};
  for (const [k, v] of Object.entries(action)) if (!keys.includes(k)) out[k] = v;
  return out;
}

/** The hash an approval is bound to: resolved executable, its hash, argv, cwd, paths, hosts, secret handles... */
export function bindingHash(action: Action): string {
  return sha256Hex(canonicalJson(without(action, VOLATILE)));
}

/** The action with task-specific parts removed and the workspace folder written as `${workspace}`. */
export function generalize(action: Action): Action {
  const workspace = typeof action.workspace === "string" && action.workspace.length > 1 ? action.workspace : null;
  const sub = (v: unknown): unknown => {
    if (typeof v === "string" && workspace && (v === workspace || v.startsWith(`${workspace}/`))) {
      return `${WORKSPACE}${v.slice(workspace.length)}`;
    }
    if (Array.isArray(v)) return v.map(sub);
    return v;
  };
  const out: Action = {};
  for (const [k, v] of Object.entries(without(action, [...VOLATILE, ...PER_TASK]))) out[k] = sub(v);
  return out;
}

/** Key under which identical one-time approvals are counted for feedback. */
export function feedbackKey(action: Action): string {
  return sha256Hex(canonicalJson(generalize(action)));
}

/** A one-line description for lists and chat messages. */
export function describeAction(action: Action): string {
  const tool = typeof action.tool === "string" ? action.tool : "action";
  if (Array.isArray(action.argv)) return `${tool}: ${action.argv.map(String).join(" ")}`;
  for (const k of ["url", "path", "to"]) if (typeof action[k] === "string") return `${tool} ${action[k]}`;
  return tool;
}

/** Policy globs have no escape: a literal value with these characters would match more than it says. */
const GLOB_CHARS = /[*?{}]/;
// biome-ignore lint/suspicious/noTemplateCurlyInString: the policy language's own placeholder, written literally
const WORKSPACE = "${workspace}";

function hasGlobChars(v: unknown): boolean {
  if (typeof v === "string") return GLOB_CHARS.test(v.startsWith(WORKSPACE) ? v.slice(WORKSPACE.length) : v);
  if (Array.isArray(v)) return v.some(hasGlobChars);
  if (v && typeof v === "object") return Object.values(v).some(hasGlobChars);
  return false;
}

/**
 * A policy rule (the format of src/policy/schema.ts) that would allow exactly this action, generalized only by
 * `${workspace}`; or null when a value holds glob characters, which the policy engine would read as a pattern
 * (a proposal must never be wider than what was approved).
 */
export function proposeRule(action: Action, id: string, reason: string): Record<string, unknown> | null {
  const g = generalize(action);
  const match: Record<string, unknown> = { tool: g.tool ?? "unknown" };
  if (Array.isArray(g.argv) && g.argv.length > 0) {
    match.executable = g.argv[0];
    match.argv = g.argv.slice(1);
  }
  for (const k of ["cwd", "path", "method", "channel", "to", "secrets"]) if (g[k] !== undefined) match[k] = g[k];
  if (typeof g.url === "string") {
    try {
      const u = new URL(g.url);
      match.scheme = u.protocol.replace(/:$/, "");
      match.host = u.hostname;
      if (u.port) match.port = Number(u.port);
      match.urlPath = u.pathname;
    } catch {
      // Why ignore: an unparseable URL gets no network match, so the proposal stays narrower, never wider.
    }
  }
  if (g.args && typeof g.args === "object") {
    const args = Object.entries(g.args as Record<string, unknown>).filter(([, v]) => typeof v === "string");
    if (args.length > 0) match.args = Object.fromEntries(args);
  }
  if (hasGlobChars(match)) return null;
  return { id, effect: "allow", reason, match };
}

/** The rule as the lines it would add to a policy file, each prefixed with "+ ": shown to the owner as a diff. */
export function ruleDiff(rule: Record<string, unknown>): string {
  const yaml = yamlLib().stringify({ rules: [rule] }, { lineWidth: 0 });
  const lines = yaml.trimEnd().split("\n").slice(1); // drop "rules:", the rule goes under the existing key
  return lines.map((l) => `+ ${l}`).join("\n");
}
