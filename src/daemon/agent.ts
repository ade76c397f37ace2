// The agent runtime inside the daemon: the sandbox, the task table, the model chosen by config, and one TaskRunner,
// plus the routes `warden ask`, `warden tasks` and `warden halt` use. Without a configured model the task routes
// answer with a clear error and nothing else changes: the daemon still runs its other services.
import { chmodSync } from "node:fs";
import { basename } from "node:path";
import * as z from "zod";
import { type AgentEvent, builtinTools, conversationHistory, type RunOutcome, TaskRunner } from "../agent/index.js";
import type { Approvals } from "../approvals/index.js";
import type { AuditLog, ExecutionJournal } from "../audit/index.js";
import { ChannelRegistry, Outbox, ownerChannel } from "../channels/index.js";
import type { Config } from "../config/index.js";
import { err, ok, WardenError } from "../errors.js";
import type { EventBus, Route } from "../gateway/index.js";
import type { HomePaths } from "../home/index.js";
import type { Logger } from "../log/index.js";
import { type ChatMessage, type ModelChoice, type ModelProvider, selectModelProvider } from "../models/index.js";
import type { PolicyWatcher } from "../policy/index.js";
import { type ClosableSandbox, createSandbox } from "../sandbox/index.js";
import { ScheduleService, scheduleRoutes } from "../schedules/index.js";
import type { SecretRedactor, SecretStore } from "../secrets/index.js";
import type { Store } from "../store/index.js";
import { isFinal, MAX_QUESTION_CHARS, Questions, type Task, Tasks } from "../tasks/index.js";
import { daemonHttpTool } from "./egress.js";
import { startMcp, withMcpTools } from "./mcp.js";

export interface AgentWiring {
  paths: HomePaths;
  config: Config;
  uid: number;
  store: Store;
  log: Logger;
  events: EventBus;
  redactor: SecretRedactor;
  secrets: SecretStore;
  audit: AuditLog;
  executions: ExecutionJournal;
  policy: PolicyWatcher;
  approvals: Approvals;
  onClose(step: () => void | Promise<void>): void;
  /** The egress proxy, for MCP servers with `net: proxy`. */
  egress?: { socketPath: string; token: string };
  /** Runs a step once the daemon answers its API (MCP servers with start: daemon start then). */
  afterReady?(step: () => void): void;
}

export interface DaemonAgent {
  /** The model in use (configured, or found at start-up); null when the agent is off. */
  model: { id: string; provider: string; name?: string; detail: string } | null;
  routes: Route[];
}

const answerBody = z.strictObject({
  question: z.string().min(1).max(200),
  text: z.string().min(1).max(MAX_QUESTION_CHARS),
});
const questionStates = z.enum(["pending", "answered", "expired", "cancelled"]);

const askBody = z.strictObject({
  prompt: z.string().min(1).max(100_000),
  workspace: z.string().min(1).max(4096).optional(),
  /** A follow-up in a conversation (`warden chat`): the earlier turns come from this (ended) task's transcript. */
  follows: z.string().min(1).max(200).optional(),
  /** Answer at once with the task id (202); the caller follows the task on the event stream. */
  detach: z.boolean().optional(),
});

export async function startAgent(w: AgentWiring): Promise<DaemonAgent> {
  // Warden's home is never visible in a sandbox; a task's own workspace under <home>/workspaces is (only that folder).
  const sandboxed = createSandbox(w.config.sandbox, {
    forbiddenPaths: [{ path: w.paths.root, workspaces: w.paths.workspaces }],
  });
  if (!sandboxed.ok) throw sandboxed.error; // fail closed: no sandbox, no daemon
  const sandbox: ClosableSandbox = sandboxed.value;
  w.onClose(() => sandbox.close?.());
  // MCP servers: stdio ones in this sandbox, URL ones through egress; their tools join each task as it starts.
  const mcp = await startMcp({ ...w, sandbox });

  // As root, tools run as an unprivileged uid that must reach <home>/workspaces/<task>: the home and the workspaces
  // folder become traversable (0711: enter by exact name, never list); every file in them stays owner-only.
  const owner = w.uid === 0 ? { uid: w.config.sandbox.runAsUid, gid: w.config.sandbox.runAsGid } : undefined;
  if (owner) {
    chmodSync(w.paths.root, 0o711);
    chmodSync(w.paths.workspaces, 0o711);
  }
  const tasks = Tasks.open({
    store: w.store,
    redactor: w.redactor,
    workspacesRoot: w.paths.workspaces,
    ...(owner ? { workspaceOwner: owner } : {}),
  });
  for (const t of tasks.sweep()) {
    w.log.warn({ task: t.id }, "task interrupted by the previous daemon's end; it will not be re-run");
  }
  // ask_owner: questions wait as long as approvals do; the owner's local channel for send_message.
  const questions = Questions.open({
    store: w.store,
    redactor: w.redactor,
    expiryMs: w.config.approvals.expiryMinutes * 60_000,
  });
  w.onClose(() => questions.close());
  const channels = new ChannelRegistry(w.redactor);
  const outbox = Outbox.open(w.store);
  channels.register(ownerChannel({ outbox, publish: (t, d) => w.events.publish(t, d) }));
  const publishTask = (task: string, e: AgentEvent) => w.events.publish(`task.${e.type}`, { task, ...e });

  // configured, else a local server that answers, else the embedded engine with a model in <home>/models
  const choice = await selectModelProvider(w.config.model, {
    homeRoot: w.paths.root,
    autoDetect: true,
    probeTimeoutMs: 250,
    resolveSecret: async (name) => {
      const value = await w.secrets.get(name);
      return value === undefined
        ? err(new WardenError("SECRET_NOT_FOUND", `no secret named ${name}`, { fix: `warden secrets set ${name}` }))
        : ok(value);
    },
  });
  if (!choice.ok) throw choice.error;
  const model: ModelProvider | undefined = choice.value.kind === "none" ? undefined : choice.value.provider;
  w.log.info({ model: choice.value.detail }, model ? "model ready" : "no model: the agent is off");
  if (model?.close) w.onClose(() => model.close?.());

  // Scheduled runs: nobody is watching, so their approval requests expire quickly and the owner is told.
  const schedules = new ScheduleService({
    config: w.config.schedules,
    store: w.store,
    redactor: w.redactor,
    events: w.events,
    audit: w.audit,
    log: w.log,
  });
  const runner: TaskRunner | undefined = model
    ? new TaskRunner(
        withMcpTools(mcp, w.policy, {
          model,
          tasks,
          tools: builtinTools({
            sandbox,
            ...(owner ? { fileOwner: owner } : {}),
            channels,
            // A scheduled run's questions get its short expiry and a notice, as its approval requests do.
            owner: {
              questions: schedules.questions(questions, (t) => tasks.get(t)?.parent ?? null),
              publish: (t, d) => w.events.publish(t, d),
            },
            subagents: {
              tasks,
              runChild: (parent, child, signal) => (runner as TaskRunner).runChild(parent, child, signal),
              onCreated: (child) => w.events.publish("task.created", { task: child.id, parent: child.parent }),
              onEnded: (o) => w.events.publish("task.ended", { task: o.task.id, state: o.state, text: o.text }),
            },
            http: { tool: daemonHttpTool(w), decide: (a) => w.policy.decide(a) },
          }),
          decide: (a, c) => w.policy.decide(a, c),
          gate: schedules.gate(w.approvals, (t) => tasks.get(t)?.parent ?? null),
          audit: w.audit,
          journal: w.executions,
          redactor: w.redactor,
          pendingApprovals: (t) => w.approvals.list({ state: "pending", task: t }),
        }),
        { sandbox, onChildEvent: publishTask },
      )
    : undefined;
  // Stopping is not halting: tasks waiting on a person are suspended and wait again after the next start.
  if (runner) w.onClose(() => runner.shutdown("daemon stopping"));
  // Registered after the runner, so it runs before it (teardown is in reverse): servers are stopped, not killed
  // under the runner's sandbox kill.
  w.onClose(() => mcp.manager.stop());
  /** Run a queued task, its events on the bus (`task.<type>`, then `task.ended`). Never rejects. */
  const submit = (
    r: TaskRunner,
    task: string,
    key?: string,
    onEvent?: (e: AgentEvent) => void,
    history?: readonly ChatMessage[],
  ) =>
    r
      .submit(task, {
        ...(key ? { key } : {}),
        ...(history ? { history } : {}),
        onEvent: (e) => {
          w.events.publish(`task.${e.type}`, { task, ...e });
          onEvent?.(e);
        },
      })
      .then((o) => {
        w.events.publish("task.ended", { task, state: o.state, text: o.text });
        return o;
      });
  if (runner) {
    schedules.start({
      // The prompt is the owner's own (config or `warden schedule add`): the run starts trusted.
      create: async (i) => {
        await mcp.manager.prepare(); // lazy MCP servers start before the run, as for a task of the owner
        return tasks.create({
          prompt: i.prompt,
          principal: "schedule",
          taint: "trusted",
          ...(i.workspace ? { workspace: i.workspace } : {}),
        });
      },
      submit: (task, key) => submit(runner, task, key),
    });
    w.onClose(() => schedules.stop());
  }

  // Tasks left waiting on a person by the previous daemon wait again, on the same approval request or question.
  if (runner) {
    for (const t of tasks.list({ state: "waiting_approval", limit: 1_000_000 })) {
      if (t.parent !== null) continue; // the sweep interrupted every sub-agent whose parent did not survive
      void runner
        .submit(t.id, { resume: true, onEvent: (e) => publishTask(t.id, e) })
        .then((o) => w.events.publish("task.ended", { task: t.id, state: o.state, text: o.text }));
    }
  }

  const needRunner = (): TaskRunner => {
    if (runner) return runner;
    throw new WardenError("BAD_REQUEST", "no model is configured, so the agent is off", {
      fix: "set model.provider, model.baseUrl and model.model in warden.yaml (e.g. Ollama: http://127.0.0.1:11434/v1), then restart",
    });
  };
  const view = (t: Task) => t;

  const routes: Route[] = [
    {
      method: "POST",
      path: "/v1/tasks",
      body: askBody,
      // Runs the task and answers when it ends, or as soon as it waits on a human (with the approval id).
      handler: async (ctx) => {
        const r = needRunner();
        await mcp.manager.prepare(); // lazy MCP servers start with the first task that could use them
        const { prompt, workspace, follows, detach } = ctx.body as z.infer<typeof askBody>;
        const before = follows === undefined ? undefined : tasks.get(follows);
        if (follows !== undefined && before?.principal !== "owner")
          throw new WardenError("NOT_FOUND", `no task ${follows} of the owner to follow`);
        if (before && !isFinal(before.state))
          throw new WardenError("CONFLICT", `task ${before.id} is ${before.state}: follow it up once it has ended`);
        const created = await tasks.create({
          prompt,
          principal: "owner",
          // What the earlier turns saw carries over: a conversation that read untrusted content stays untrusted.
          ...(before?.taint === "untrusted" ? { taint: "untrusted" as const } : {}),
          ...(workspace ? { workspace } : {}),
        });
        if (!created.ok) throw created.error;
        const task = created.value;
        w.events.publish("task.created", { task: task.id, ...(before ? { follows: before.id } : {}) });
        const history = before ? conversationHistory(tasks.transcript(before.id)) : undefined;
        if (detach) {
          void submit(r, task.id, undefined, undefined, history);
          return { status: 202, body: { task: task.id, state: "queued", workspace: task.workspace } };
        }
        type Waiting = { approval: string } | { question: string; text: string; from: string };
        let onWaiting: (v: Waiting) => void = () => {};
        const waiting = new Promise<Waiting>((resolve) => {
          onWaiting = resolve;
        });
        // A question (ask_owner), or an approval a sub-agent waits on, anywhere in this task's tree also answers now.
        const unsubscribe = w.events.subscribe((ev) => {
          const from = typeof ev.data.task === "string" ? ev.data.task : "";
          if (ev.type !== "task.question" && ev.type !== "task.approval.waiting") return;
          if (!inTree(tasks, from, task.id)) return;
          if (ev.type === "task.question")
            onWaiting({ question: String(ev.data.question), text: String(ev.data.text), from });
          else onWaiting({ approval: String(ev.data.approval) });
        });
        // submit never throws: the outcome says how the task ended.
        const outcome: Promise<RunOutcome> = submit(
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
        return { body: { task: first.task.id, state: first.state, text: first.text, workspace: first.task.workspace } };
      },
    },
    {
      method: "GET",
      path: "/v1/tasks",
      handler: () => ({ body: { tasks: tasks.list({ limit: 100 }).map(view) } }),
    },
    {
      method: "GET",
      path: "/v1/tasks/:id",
      handler: (ctx) => {
        const t = tasks.get(ctx.params.id ?? "");
        if (!t) throw new WardenError("NOT_FOUND", "no such task");
        const children = subTree(tasks, t.id);
        const asked = questions.list({ task: t.id });
        return { body: { ...view(t), children, questions: asked, transcript: tasks.transcript(t.id) } };
      },
    },
    {
      method: "POST",
      path: "/v1/tasks/:id/cancel",
      handler: (ctx) => {
        const cancelled = needRunner().cancel(ctx.params.id ?? "");
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
        await mcp.manager.halt("halted by the owner");
        await runner?.halt("halted by the owner");
        await sandbox.killAll();
        for (const a of w.approvals.list({ state: "pending" })) w.approvals.cancel(a.id, "owner", "halted");
        await w.audit.append({ type: "halt", actor: "owner", data: {} });
        w.events.publish("halt", {});
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
        const answered = questions.answer(question, { task, text, by: "owner" });
        if (!answered.ok) throw answered.error;
        await w.audit.append({ type: "question.answered", actor: "owner", task, data: { question } });
        w.events.publish("task.answered", { task, question });
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
        return { body: { messages: outbox.list({ limit, ...(task ? { task } : {}) }) } };
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
            questions: questions.list({
              ...(parsed?.success ? { state: parsed.data } : {}),
              ...(task ? { task } : {}),
            }),
          },
        };
      },
    },
    ...scheduleRoutes(schedules, w.audit),
    ...mcp.routes,
  ];
  return {
    model: model ? { id: model.id, ...inUse(choice.value, w.config), detail: choice.value.detail } : null,
    routes,
  };
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

/** Which provider and model the daemon uses: the configured ones, or what start-up found. */
function inUse(choice: ModelChoice, config: Config): { provider: string; name?: string } {
  if (choice.kind === "detected") return { provider: "openai-compatible", name: choice.model };
  if (choice.kind === "embedded") return { provider: "embedded", name: basename(choice.path) };
  return { provider: config.model.provider, ...(config.model.model ? { name: config.model.model } : {}) };
}
