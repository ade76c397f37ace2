// The policy file format (zod), the one place that says what a rule may contain. The same schema gives the JSON
// Schema for editors. Must never accept an unknown field: a typo in a rule must fail the load, not widen anything.
import * as z from "zod";
import { actionSchema, budgetSchema, principalSchema, profileNameSchema, taintSchema } from "./action.js";
import { WRAPPER_FORMS, WRAPPER_PROGRAMS } from "./wrappers.js";

const one = () => z.string().min(1).max(4096);
/** A single value or a non-empty list of them; the compiler always sees a list. */
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item).min(1).max(10_000)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

export const effectSchema = z.lazy(() => z.enum(["allow", "deny", "ask"]));
export type Effect = z.infer<typeof effectSchema>;

export const matchSchema = z.lazy(() =>
  z.strictObject({
    /** Tool name or glob ("exec", "mcp.github.*", "mcp.**"). Required: a rule always says which tools it is about. */
    tool: oneOrMany(one()),
    /** exec: program names (PATH lookup) or absolute paths, compared after realpath. Literal, never a glob. */
    executable: oneOrMany(one().regex(/^[^*?{}]+$/, "an executable is a name or a path, not a glob")).optional(),
    /** exec: patterns for argv[1..], one per argument; "**" stands for any number of arguments. */
    argv: z.array(z.string().max(4096)).max(256).optional(),
    /** exec: the rule matches only if no argument matches any of these patterns. */
    argvNone: z.array(one()).max(256).optional(),
    /** exec: the wrapper forms this rule names (needed for an allow to match them). */
    wrappers: z
      .array(z.enum([...WRAPPER_PROGRAMS, ...WRAPPER_FORMS]))
      .max(64)
      .optional(),
    /** exec: globs on the real working folder. */
    cwd: oneOrMany(one()).optional(),
    /** files: globs on the real path (absolute, or starting with ${workspace}). */
    path: oneOrMany(one()).optional(),
    /** network: URL parts. host is exact or "*.example.com" (one label); port defaults from the scheme. */
    scheme: oneOrMany(one()).optional(),
    host: oneOrMany(one()).optional(),
    port: oneOrMany(z.number().int().min(1).max(65535)).optional(),
    method: oneOrMany(one()).optional(),
    urlPath: oneOrMany(one()).optional(),
    /** messages: channel names, and the recipient: "owner", "others" or a list of recipient ids. */
    channel: oneOrMany(one()).optional(),
    to: oneOrMany(one()).optional(),
    /** secrets: allow -> every secret the action uses is listed; deny/ask -> the action uses one of them. */
    secrets: z.array(one()).max(256).optional(),
    /** MCP and other tools: argument name -> glob on its string value. */
    args: z.record(z.string(), z.string().max(4096)).optional(),
  }),
);
export type MatchSpec = z.infer<typeof matchSchema>;

const hhmm = z.lazy(() => z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "time as HH:MM (24 h)"));
export const daySchema = z.lazy(() => z.enum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]));

export const whenSchema = z.lazy(() =>
  z.strictObject({
    taint: oneOrMany(taintSchema).optional(),
    principal: oneOrMany(principalSchema).optional(),
    /** The task's named policy profile (a schedule's `profile`); a task without one never matches. */
    profile: oneOrMany(profileNameSchema).optional(),
    /** A window in one time zone (IANA name, default UTC); from > to spans midnight. */
    time: z
      .strictObject({ days: z.array(daySchema).min(1).optional(), from: hhmm, to: hhmm, tz: z.string().default("UTC") })
      .optional(),
    /** Minimum remaining budget for the rule to apply. */
    budget: budgetSchema.optional(),
  }),
);
export type WhenSpec = z.infer<typeof whenSchema>;

const exampleAction = actionSchema;

export const ruleSchema = z.lazy(() =>
  z.strictObject({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, "letters, digits and . _ : - (max 128)"),
    effect: effectSchema,
    reason: z.string().min(1).max(1000),
    /**
     * A fallback rule applies only when no regular rule (and no task grant) matched: "everything else asks".
     * Among fallback rules the same deny > ask > allow order holds.
     */
    fallback: z.boolean().default(false),
    match: matchSchema,
    when: whenSchema.optional(),
    /** Checked at load against the whole policy: each action must get that effect. */
    examples: z
      .strictObject({
        allow: z.array(exampleAction).optional(),
        ask: z.array(exampleAction).optional(),
        deny: z.array(exampleAction).optional(),
      })
      .optional(),
  }),
);
export type RuleSpec = z.infer<typeof ruleSchema>;

export const policyFileSchema = z.lazy(() =>
  z.strictObject({
    version: z.literal(1).optional(),
    rules: z.array(ruleSchema).max(100_000).default([]),
  }),
);
export type PolicyFileSpec = z.infer<typeof policyFileSchema>;

/** JSON Schema of a policy file, for editors (yaml-language-server) and docs. */
export function policyJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(policyFileSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}
