// spawn_agent: start a sub-agent on a task of its own, with a requested subset of this task's grants (the policy's
// `attenuation` rule refuses anything wider before this runs), its own budget capped by what this task has left, this
// task's taint and principal, a fresh workspace of its own, and limits on depth and number of children. Waits for the
// sub-agent's answer without holding a runner slot; the answer comes back untrusted when the sub-agent saw untrusted
// content. Never gives a sub-agent anything its parent does not hold.
import * as z from "zod";
import type { Grant } from "../../policy/index.js";
import type { Task, TaskBudget, Tasks } from "../../tasks/index.js";
import type { RunOutcome } from "../loop.js";
import { defineTool, fail, type Tool, type ToolContext, type ToolOutput } from "../tool.js";

export interface SubAgentLimits {
  /** Deepest sub-agent: 1 lets a task spawn, 2 lets its sub-agents spawn too (default 2). */
  maxDepth: number;
  /** Sub-agents one task may start over its life (default 4). */
  maxChildren: number;
  /** Budget of a sub-agent that asks for none, before capping by the parent's remaining budget. */
  defaultBudget: Required<Pick<TaskBudget, "steps" | "wallMs">>;
}

export const DEFAULT_SUBAGENT_LIMITS: SubAgentLimits = {
  maxDepth: 2,
  maxChildren: 4,
  defaultBudget: { steps: 20, wallMs: 10 * 60_000 },
};

export interface SubAgentDeps {
  tasks: Tasks;
  /** Run the queued child to its end (the daemon passes TaskRunner.runChild); stopping `signal` cancels it. */
  runChild(parent: string, child: string, signal: AbortSignal): Promise<RunOutcome>;
  /** Told about each sub-agent created and ended (the daemon publishes task.created and task.ended). */
  onCreated?: (child: Task) => void;
  onEnded?: (outcome: RunOutcome) => void;
  limits?: Partial<SubAgentLimits>;
}

/** Placeholder task of the grants in a spawn action: the child has no id yet when the policy checks them. */
export const SUBAGENT_GRANT_TASK = "sub-agent";

// Kept terse: this schema goes to the model with every request (the prompt budget is 6 KB for everything). Grant ids
// are given by the runtime (g1, g2...); a grant that expires cannot be passed on (attenuation refuses it).
const grantArg = z.lazy(() =>
  z.strictObject({
    match: z.record(z.string(), z.unknown()),
    when: z.record(z.string(), z.unknown()).optional(),
  }),
);
const count = z.lazy(() => z.number().optional());
const schema = z.lazy(() =>
  z.strictObject({
    task: z.string().min(1).max(16_000).describe("All it will know"),
    grants: z.array(grantArg).max(32).optional().describe("Policy grants ({match, when}) within yours; default none"),
    budget: z.strictObject({ steps: count, tokens: count, wallMs: count }).optional(),
  }),
);
type Args = z.infer<typeof schema>;

/** The grants as the policy sees them (and as the child will hold them, with its own id as task). */
function requestedGrants(a: Args): Grant[] {
  return (a.grants ?? []).map((g, i) => ({
    id: `g${i + 1}`,
    task: SUBAGENT_GRANT_TASK,
    match: g.match,
    ...(g.when ? { when: g.when } : {}),
  }));
}

/** min of what was asked (or the default) and what the parent has left; a missing figure on both sides stays unset. */
function cap(asked: number | undefined, fallback: number | undefined, left: number | undefined): number | undefined {
  const want = asked ?? fallback;
  if (want === undefined) return left;
  return left === undefined ? want : Math.min(want, left);
}

export function spawnAgentTool(deps: SubAgentDeps): Tool<unknown> {
  const limits = { ...DEFAULT_SUBAGENT_LIMITS, ...deps.limits };
  return defineTool<Args>({
    name: "spawn_agent",
    description: "Run a sub-agent on a task in its own empty workspace; returns its answer.",
    schema,
    sideEffect: true,
    action: (a) => ({
      tool: "spawn_agent",
      grants: requestedGrants(a),
      args: { task: a.task, ...(a.budget ? { budget: a.budget } : {}) },
    }),
    async run(a, ctx): Promise<ToolOutput> {
      const parent = deps.tasks.get(ctx.task);
      if (!parent) return fail("NOT_FOUND", "the parent task is gone");
      const depth = deps.tasks.depth(parent.id) + 1;
      if (depth > limits.maxDepth)
        return fail("SUBAGENT_LIMIT", `sub-agents may nest ${limits.maxDepth} deep; this one would be ${depth}`);
      const started = deps.tasks.list({ parent: parent.id, limit: limits.maxChildren + 1 }).length;
      if (started >= limits.maxChildren)
        return fail(
          "SUBAGENT_LIMIT",
          `this task already started ${started} sub-agents (at most ${limits.maxChildren})`,
        );
      const budget = childBudget(a, ctx, limits);
      if (!budget.ok) return budget.out;
      const created = await deps.tasks.create({
        prompt: a.task,
        principal: parent.principal,
        // A scheduled run's sub-agents work under its profile too: the runtime passes it on, the model cannot.
        ...(parent.profile !== null ? { profile: parent.profile } : {}),
        agent: `sub-agent-${depth}`,
        parent: parent.id,
        taint: ctx.taint, // taint only rises: a task that has seen untrusted content spawns untrusted children
        budget: budget.value,
        grants: requestedGrants(a),
      });
      if (!created.ok) return fail("SPAWN_FAILED", created.error.message);
      const child = created.value;
      deps.onCreated?.(child);
      const outcome = await ctx.idle(deps.runChild(parent.id, child.id, ctx.signal));
      deps.onEnded?.(outcome);
      const ended = deps.tasks.get(child.id) ?? outcome.task;
      return {
        ok: true,
        // What the sub-agent read may have steered its answer: its taint travels with the answer.
        untrusted: ended.taint === "untrusted",
        usage: { steps: ended.usage.steps, tokens: ended.usage.tokens },
        value: {
          task: child.id,
          state: outcome.state,
          ...(outcome.state === "done" ? { answer: outcome.text } : { reason: outcome.text }),
          usage: ended.usage,
        },
      };
    },
  });
}

function childBudget(
  a: Args,
  ctx: ToolContext,
  limits: SubAgentLimits,
): { ok: true; value: TaskBudget } | { ok: false; out: ToolOutput } {
  const left = ctx.budget;
  const out: TaskBudget = {};
  for (const [k, v] of Object.entries(a.budget ?? {}))
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 1))
      return {
        ok: false,
        out: fail("INVALID_ARGUMENTS", `budget.${k} must be a whole number above 0; nothing was run`),
      };
  const steps = cap(a.budget?.steps, limits.defaultBudget.steps, left.steps);
  const tokens = cap(a.budget?.tokens, undefined, left.tokens);
  const wallMs = cap(a.budget?.wallMs, limits.defaultBudget.wallMs, left.wallMs);
  if (steps !== undefined) out.steps = steps;
  if (tokens !== undefined) out.tokens = tokens;
  if (wallMs !== undefined) out.wallMs = wallMs;
  if (out.steps === 0 || out.tokens === 0 || out.wallMs === 0)
    return { ok: false, out: fail("BUDGET_EXHAUSTED", "this task has no budget left to give a sub-agent") };
  return { ok: true, value: out };
}
