// The canonical Action: what the agent proposes, in the one shape that policy, approvals, sandbox and the agent share,
// plus a stable hash approvals bind to. Field names are public API: extend, never rename.
// This file must never resolve paths or touch the filesystem: an Action is data as proposed, normalized elsewhere.
import { createHash } from "node:crypto";
import * as z from "zod";

/** Remaining budget of the task, filled in by the runtime (a missing figure never satisfies a budget condition). */
export const budgetSchema = z.lazy(() =>
  z.strictObject({
    steps: z.number().nonnegative().optional(),
    tokens: z.number().nonnegative().optional(),
    wallMs: z.number().nonnegative().optional(),
    spend: z.number().nonnegative().optional(),
  }),
);
export type Budget = z.infer<typeof budgetSchema>;

export const principalSchema = z.lazy(() => z.enum(["owner", "paired", "schedule"]));
export type Principal = z.infer<typeof principalSchema>;
export const taintSchema = z.lazy(() => z.enum(["trusted", "untrusted"]));
export type Taint = z.infer<typeof taintSchema>;

/** A named policy profile (a schedule's `profile`): letters, digits, _ and - (max 64), like a schedule name. */
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const profileNameSchema = z.lazy(() => z.string().regex(PROFILE_NAME, "letters, digits, _ and - (max 64)"));

// A capability held by a task: the same match vocabulary as a rule (kept as data here, compiled by the engine).
export const grantSchema = z.lazy(() =>
  z.strictObject({
    id: z.string().min(1).max(200),
    task: z.string().min(1).max(200),
    match: z.record(z.string(), z.unknown()),
    when: z.record(z.string(), z.unknown()).optional(),
    /** Epoch milliseconds; a grant also ends with its task. */
    expiresAt: z.number().optional(),
  }),
);
export type Grant = z.infer<typeof grantSchema>;

const text = z.lazy(() => z.string().max(65_536));

export const actionSchema = z.lazy(() =>
  z.strictObject({
    tool: z.string().min(1).max(256),
    // exec
    argv: z.array(text).max(4096).optional(),
    cwd: text.optional(),
    // files
    path: text.optional(),
    // network
    method: z.string().max(32).optional(),
    url: text.optional(),
    // messages
    channel: z.string().max(256).optional(),
    /** Recipient; the runtime uses the literal "owner" for the owner and resolves it itself. */
    to: z.string().max(1024).optional(),
    // MCP tools and anything tool-specific
    args: z.record(z.string(), z.unknown()).optional(),
    // spawn_agent: the grants asked for the sub-agent (must be a subset of the parent's)
    grants: z.array(grantSchema).max(256).optional(),
    // runtime context, never taken from the model
    task: z.string().max(200).optional(),
    agent: z.string().max(200).optional(),
    principal: principalSchema.optional(),
    /** The task's named policy profile (a scheduled run's, from its schedule), for `when: {profile: NAME}`. */
    profile: profileNameSchema.optional(),
    taint: taintSchema.optional(),
    secrets: z.array(z.string().max(200)).max(64).optional(),
    /** The task's workspace root, for `${workspace}` in rules. */
    workspace: text.optional(),
    budget: budgetSchema.optional(),
    /**
     * The tool's own mark that it changes nothing (MCP: the server's readOnlyHint without destructiveHint), set by
     * the runtime from the tool's listing. An MCP tool without it needs a rule naming it exactly (or a grant) for an
     * allow: see the engine. Absent counts as "may change things".
     */
    readOnly: z.boolean().optional(),
  }),
);
export type Action = z.infer<typeof actionSchema>;

/** JSON with object keys sorted, so equal actions hash equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** sha256 (hex) of the canonical JSON of an action: approvals bind to it, so any change of any field changes it. */
export function canonicalActionHash(action: Action): string {
  return createHash("sha256").update(canonicalJson(action)).digest("hex");
}
