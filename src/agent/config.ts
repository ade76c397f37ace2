// The `agent` section of warden.yaml: how many tasks run at once (overall and per sender), the limits of sub-agents,
// the budget each task starts with and the tool calls one model turn may make. Strict: a misspelt key is an error.
// The defaults are the figures the runtime always had; nothing here can turn a limit off.
import * as z from "zod";

const whole = (min: number, max: number) => z.number().int().min(min).max(max);

export const agentBudgetSchema = z.lazy(() =>
  z.strictObject({
    steps: whole(1, 100_000).optional().describe("Tool calls (and sub-agents' steps) the task may make."),
    tokens: whole(1, 1_000_000_000).optional().describe("Model tokens (prompt + completion) the task may use."),
    wallMs: whole(1000, 7 * 24 * 3_600_000)
      .optional()
      .describe("Milliseconds the task may run (waits on a person included)."),
  }),
);

export const subagentsConfigSchema = z.lazy(() =>
  z.strictObject({
    maxDepth: whole(0, 8)
      .default(2)
      .describe("How deep sub-agents nest: 1 lets a task spawn, 2 lets its sub-agents spawn too, 0 turns them off."),
    maxChildren: whole(0, 100).default(4).describe("Sub-agents one task may start over its life."),
    budget: z
      .strictObject({
        steps: whole(1, 100_000).default(20),
        wallMs: whole(1000, 7 * 24 * 3_600_000).default(10 * 60_000),
      })
      .prefault({})
      .describe("Budget of a sub-agent that asks for none; always capped by what its parent has left."),
  }),
);

export const agentConfigSchema = z.lazy(() =>
  z
    .strictObject({
      maxConcurrentTasks: whole(1, 1024)
        .default(4)
        .describe("Tasks running at once, overall (sub-agents included; a task waiting on a person holds no slot)."),
      maxConcurrentPerSender: whole(1, 1024)
        .default(2)
        .describe("Tasks running at once for one sender (the owner, a paired user, each schedule); the rest queue."),
      maxToolCallsPerTurn: whole(1, 64)
        .default(8)
        .describe("Tool calls one model answer may make; the rest are refused, not run."),
      budget: agentBudgetSchema
        .prefault({})
        .describe("Budget of each task from the owner or a schedule (default: none). Sub-agents have their own."),
      subagents: subagentsConfigSchema.prefault({}),
    })
    .superRefine((a, ctx) => {
      if (a.maxConcurrentPerSender > a.maxConcurrentTasks)
        ctx.addIssue({
          code: "custom",
          path: ["maxConcurrentPerSender"],
          message: `${a.maxConcurrentPerSender} is more than maxConcurrentTasks (${a.maxConcurrentTasks}), so it could never be reached: lower it or raise maxConcurrentTasks`,
        });
    })
    .describe("Limits of the agent runtime: concurrency, sub-agents, budgets."),
);
export type AgentConfig = z.output<typeof agentConfigSchema>;
