// The task routes of the control plane: `warden ask` / `chat` (POST /v1/tasks), `tasks list/show/cancel`, `answer`,
// the outbox and questions lists, and the kill switch. They only read and drive what startAgent built; without a
// model the routes that need the runner answer with a clear error.
import * as z from "zod";
import { type AgentEvent, conversationHistory, type RunOutcome, type TaskRunner } from "../agent/index.js";
import type { Approvals } from "../approvals/index.js";
import type { AuditLog } from "../audit/index.js";
import type { Outbox } from "../channels/index.js";
import { WardenError } from "../errors.js";
import type { EventBus, Route } from "../gateway/index.js";
import type { ChatMessage } from "../models/index.js";
import type { Sandbox } from "../sandbox/index.js";
import { isFinal, MAX_QUESTION_CHARS, type Questions, type Task, type TaskBudget, type Tasks } from "../tasks/index.js";

/** Run a queued task with its events on the bus, resolving with how it ended (never rejects). */
export type Submit = (
  r: TaskRunner,
  task: string,
  key?: string,
  onEvent?: (e: AgentEvent) => void,
  history?: readonly ChatMessage[],
) => Promise<RunOutcome>;

export interface TaskRouteDeps {
  tasks: Tasks;
  questions: Questions;
  outbox: Outbox;
  events: EventBus;
  audit: AuditLog;
  approvals: Approvals;
  sandbox: Pick<Sandbox, "killAll">;
  /** undefined when no model is configured: the agent is off. */
  runner: TaskRunner | undefined;
  submit: Submit;
  /** The budget each task of the owner starts with (`agent.budget`; empty: none). */
  budget?: TaskBudget;
  mcp: { prepare(): Promise<void>; halt(reason: string): Promise<void> };
}

const answerBody = z.lazy(() =>
  z.strictObject({
    question: z.string().min(1).max(200),
    text: z.string().min(1).max(MAX_QUESTION_CHARS),
  }),
);
const questionStates = z.lazy(() => z.enum(["pending", "answered", "expired", "cancelled"]));

const askBody = z.lazy(() =>
  z.strictObject({
    prompt: z.string().min(1).max(100_000),
    workspace: z.string().min(1).max(4096).optional(),
    /** A follow-up in a conversation (`warden chat`): the earlier turns come from this (ended) task's transcript. */
    follows: z.string().min(1).max(200).optional(),
    /** Answer at once with the task id (202); the caller follows the task on the event stream. */
    detach: z.boolean().optional(),
  }),
);

function needRunner(runner: TaskRunner | undefined): TaskRunner {
  if (runner) return runner;
  throw new WardenError("BAD_REQUEST", "no model is configured, so the agent is off", {
    fix: "set model.provider, model.baseUrl and model.model in warden.yaml (e.g. Ollama: http://127.0.0.1:11434/v1), then restart",
  });
}

export function taskRoutes(d: TaskRouteDeps): Route[] {
  return [
    {
      method: "POST",
      path: "/v1/tasks",
      body: askBody,
      // Runs the task and answers when it ends, or as soon as it waits on a human (with the approval id).
      handler: async (ctx) => {
        const r = needRunner(d.runner);
        await d.mcp.prepare(); // lazy MCP servers start with the first task that could use them
        const { prompt, workspace, follows, detach } = ctx.body as z.infer<typeof askBody>;
        const before = follows === undefined ? undefined : d.tasks.get(follows);
        if (follows !== undefined && before?.principal !== "owner")
          throw new WardenError("NOT_FOUND", `no task ${follows} of the owner to follow`);
        if (before && !isFinal(before.state))
          throw new WardenError("CONFLICT", `task ${before.id} is ${before.state}: follow it up once it has ended`);
        const created = await d.tasks.create({
          prompt,
          principal: "owner",
          ...(d.budget ? { budget: d.budget } : {}),
          // What the earlier turns saw carries over: a conversation that read untrusted content stays untrusted.
          ...(before?.taint === "untrusted" ? { taint: "untrusted" as const } : {}),
          ...(workspace ? { workspace } : {}),
        });
        if (!created.ok) throw created.error;
        const task = created.value;
        d.events.publish("task.created", { task: task.id, ...(before ? { follows: before.id } : {}) });
        const history = before ? conversationHistory(d.tasks.transcript(before.id)) : undefined;
        if (detach) {
          void d.submit(r, task.id, undefined, undefined, history);
          return { status: 202, body: { task: task.id, state: "queued", workspace: task.workspace } };
        }
        type Waiting = { approval: string } | { question: string; text: string; from: string };
        let onWaiting: (v: Waiting) => void = () => {};
        const waiting = new Promise<Waiting>((resolve) => {
          onWaiting = resolve;
        });
        // A question (ask_owner), or an approval a sub-agent waits on, anywhere in this task's tree also answers now.
        const unsubscribe = d.events.subscribe((ev) => {
          const from = typeof ev.data.task === "string" ? ev.data.task : "";
          if (ev.type !== "task.question" && ev.type !== "task.approval.waiting") return;
          if (!inTree(d.tasks, from, task.id)) return;
          if (ev.type === "task.question")
            onWaiting({ question: String(ev.data.question), text: String(ev.data.text), from });
          else onWaiting({ approval: String(ev.data.approval) });
        });
        // submit never throws: the outcome says how the task ended.
        const outcome: Promise<RunOutcome> = d.submit(
          r,
          task.id,
          undefined,
          (e) => {
            if (e.type === "approval.waiting") onWaiting({ approval: e.approval });
          },
          history,
        );
        const first = await Promise.race([outcome, waiting]).finally(unsubscribe);
        if ("question" in first) {
          const { question, text, from } = first;
          return { status: 202, body: { task: task.id, state: "waiting_approval", question, text, asker: from } };
        }
        if ("approval" in first) {
          return { status: 202, body: { task: task.id, state: "waiting_approval", approval: first.approval } };
        }
        // The stored state: a stop leaves a task interrupted (it was running) or queued (it runs at the next start).
        const state = d.tasks.get(first.task.id)?.state ?? first.state;
        return { body: { task: first.task.id, state, text: first.text, workspace: first.task.workspace } };
      },
    },
    {
      method: "GET",
      path: "/v1/tasks",
      handler: () => ({ body: { tasks: d.tasks.list({ limit: 100 }) } }),
    },
    {
      method: "GET",
      path: "/v1/tasks/:id",
      handler: (ctx) => {
        const t = d.tasks.get(ctx.params.id ?? "");
        if (!t) throw new WardenError("NOT_FOUND", "no such task");
        const children = subTree(d.tasks, t.id);
        const asked = d.questions.list({ task: t.id });
        return { body: { ...t, children, questions: asked, transcript: d.tasks.transcript(t.id) } };
      },
    },
    {
      method: "POST",
      path: "/v1/tasks/:id/cancel",
      handler: (ctx) => {
        const cancelled = needRunner(d.runner).cancel(ctx.params.id ?? "");
        if (!cancelled) throw new WardenError("NOT_FOUND", "no running or queued task with that id");
        return { body: { cancelled: true } };
      },
    },
    {
      method: "POST",
      path: "/v1/halt",
      // The kill switch: every task cancelled, every sandbox killed, every pending approval cancelled.
      handler: async () => {
        // MCP servers first: stopped by us, not crashed under the sandbox kill, so no backoff at their next use.
        await d.mcp.halt("halted by the owner");
        await d.runner?.halt("halted by the owner");
        await d.sandbox.killAll();
        for (const a of d.approvals.list({ state: "pending" })) d.approvals.cancel(a.id, "owner", "halted");
        await d.audit.append({ type: "halt", actor: "owner", data: {} });
        d.events.publish("halt", {});
        return { body: { halted: true } };
      },
    },
    {
      method: "POST",
      path: "/v1/tasks/:id/answer",
      body: answerBody,
      // The owner answers a task's ask_owner question; the waiting task goes on with the answer (trusted input).
      handler: async (ctx) => {
        const task = ctx.params.id ?? "";
        const { question, text } = ctx.body as z.infer<typeof answerBody>;
        const answered = d.questions.answer(question, { task, text, by: "owner" });
        if (!answered.ok) throw answered.error;
        await d.audit.append({ type: "question.answered", actor: "owner", task, data: { question } });
        d.events.publish("task.answered", { task, question });
        return { body: { task, question, answered: true } };
      },
    },
    {
      method: "GET",
      path: "/v1/messages",
      // ?task=ID&limit=N: what the agent sent on the owner's channel (the latest N, oldest first).
      handler: (ctx) => {
        const task = ctx.query.get("task");
        const limit = Number(ctx.query.get("limit") ?? "100");
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
          throw new WardenError("BAD_REQUEST", "limit must be a whole number from 1 to 1000");
        return { body: { messages: d.outbox.list({ limit, ...(task ? { task } : {}) }) } };
      },
    },
    {
      method: "GET",
      path: "/v1/questions",
      // ?state=pending&task=ID: what the agent asked the owner (warden answer, the web UI).
      handler: (ctx) => {
        const state = ctx.query.get("state");
        const parsed = state === null ? undefined : questionStates.safeParse(state);
        if (parsed && !parsed.success) throw new WardenError("BAD_REQUEST", `unknown question state ${state}`);
        const task = ctx.query.get("task");
        return {
          body: {
            questions: d.questions.list({
              ...(parsed?.success ? { state: parsed.data } : {}),
              ...(task ? { task } : {}),
            }),
          },
        };
      },
    },
  ];
}

type TreeNode = Task & { children: TreeNode[] };

/** The sub-agents of `id`, oldest first, each with its own (bounded: sub-agents nest a few levels at most). */
function subTree(tasks: Tasks, id: string, depth = 0): TreeNode[] {
  if (depth >= 8) return [];
  return tasks
    .list({ parent: id, limit: 100 })
    .reverse()
    .map((c) => ({ ...c, children: subTree(tasks, c.id, depth + 1) }));
}

/** Whether `id` is `root` or one of its sub-agents (parents are fixed at creation; the walk is bounded anyway). */
function inTree(tasks: Tasks, id: string, root: string): boolean {
  let t = tasks.get(id);
  for (let hops = 0; t && hops < 100; hops += 1) {
    if (t.id === root) return true;
    t = t.parent === null ? undefined : tasks.get(t.parent);
  }
  return false;
}
