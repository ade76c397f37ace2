// The agent runtime inside the daemon: the sandbox, the task table, the model chosen by config, one TaskRunner, the
// channels, schedules and MCP servers; the routes `warden ask`, `tasks`, `answer` and `halt` use are in
// task-routes.ts. Without a model the task routes answer with a clear error and nothing else changes: the daemon
// still runs its other services.
import { chmodSync } from "node:fs";
import { basename } from "node:path";
import { type AgentEvent, builtinTools, leftoverTasks, TaskRunner } from "../agent/index.js";
import type { Approvals } from "../approvals/index.js";
import type { AuditLog, ExecutionJournal } from "../audit/index.js";
import { ChannelRegistry, Outbox, ownerChannel } from "../channels/index.js";
import type { Config } from "../config/index.js";
import { err, ok, WardenError } from "../errors.js";
import type { EventBus, Route } from "../gateway/index.js";
import type { HomePaths } from "../home/index.js";
import type { Logger } from "../log/index.js";
import { type ModelChoice, type ModelProvider, selectModelProvider } from "../models/index.js";
import { namedProfiles, type PolicyWatcher } from "../policy/index.js";
import { type ClosableSandbox, createSandbox } from "../sandbox/index.js";
import { type LeftoverRun, ScheduleService, scheduleRoutes, unknownProfileWarning } from "../schedules/index.js";
import type { SecretRedactor, SecretStore } from "../secrets/index.js";
import type { Store } from "../store/index.js";
import { isFinal, Questions, type Task, Tasks } from "../tasks/index.js";
import { daemonHttpTool } from "./egress.js";
import { startMcp, withMcpTools } from "./mcp.js";
import { type Submit, taskRoutes } from "./task-routes.js";

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
  // A schedule's profile that no rule names changes nothing: said at start-up, in `schedule list` and by lint.
  const profileNamed = (p: string) => namedProfiles(w.policy.current()).has(p);
  for (const s of schedules.all())
    if (s.profile && !profileNamed(s.profile))
      w.log.warn({ schedule: s.name }, unknownProfileWarning(s.name, s.profile));
  const runner: TaskRunner | undefined = model
    ? new TaskRunner(
        withMcpTools(mcp, {
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
              limits: {
                maxDepth: w.config.agent.subagents.maxDepth,
                maxChildren: w.config.agent.subagents.maxChildren,
                defaultBudget: w.config.agent.subagents.budget,
              },
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
          maxCallsPerTurn: w.config.agent.maxToolCallsPerTurn,
        }),
        {
          sandbox,
          onChildEvent: publishTask,
          maxConcurrent: w.config.agent.maxConcurrentTasks,
          maxPerKey: w.config.agent.maxConcurrentPerSender,
        },
      )
    : undefined;
  // Stopping is not halting: tasks waiting on a person are suspended and wait again after the next start.
  if (runner) w.onClose(() => runner.shutdown("daemon stopping"));
  // Registered after the runner, so it runs before it (teardown is in reverse): servers are stopped, not killed
  // under the runner's sandbox kill.
  w.onClose(() => mcp.manager.stop());
  /** Run a queued task, its events on the bus (`task.<type>`, then `task.ended`). Never rejects. */
  const submit: Submit = (r, task, key, onEvent, history) =>
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
  /** Continue a task the previous daemon left waiting on a person, on the same request or question. */
  const resume = (r: TaskRunner, task: string, key?: string) =>
    r.submit(task, { resume: true, ...(key ? { key } : {}), onEvent: (e) => publishTask(task, e) }).then((o) => {
      w.events.publish("task.ended", { task, state: o.state, text: o.text });
      return o;
    });
  if (runner) {
    // What the previous daemon left (the sweep above interrupted what was running): tasks waiting on a person wait
    // again, tasks that never started run now, oldest first. Scheduled runs among them go on unattended, counted as
    // their schedule's run in progress; the others are queued under their principal as before.
    const left = leftoverTasks(tasks);
    const scheduled = (t: Task, waiting: boolean): LeftoverRun[] =>
      t.schedule === null ? [] : [{ task: t.id, schedule: t.schedule, waiting }];
    schedules.start(
      {
        // The prompt is the owner's own (config or `warden schedule add`): the run starts trusted. Its profile comes
        // from the schedule, set here by the runtime and stored with the task.
        create: async (i) => {
          await mcp.manager.prepare(); // lazy MCP servers start before the run, as for a task of the owner
          return tasks.create({
            prompt: i.prompt,
            principal: "schedule",
            taint: "trusted",
            schedule: i.schedule,
            budget: w.config.agent.budget,
            ...(i.profile ? { profile: i.profile } : {}),
            ...(i.workspace ? { workspace: i.workspace } : {}),
          });
        },
        submit: (task, key, waiting) =>
          // The row's final state (a run stopped by `warden stop` ended interrupted), or suspended: it goes on later.
          (waiting ? resume(runner, task, key) : submit(runner, task, key)).then((o) => ({
            state: isFinal(o.task.state) ? o.task.state : o.state,
            text: o.text,
            suspended: !isFinal(o.task.state),
          })),
      },
      [...left.waiting.flatMap((t) => scheduled(t, true)), ...left.queued.flatMap((t) => scheduled(t, false))],
    );
    w.onClose(() => schedules.stop());
    for (const t of left.waiting) if (t.schedule === null) void resume(runner, t.id);
    for (const t of left.queued) {
      w.log.info({ task: t.id, schedule: t.schedule }, "task left queued by the previous daemon: it runs now");
      if (t.schedule === null) void submit(runner, t.id);
    }
  }

  const routes: Route[] = [
    ...taskRoutes({
      tasks,
      questions,
      outbox,
      events: w.events,
      audit: w.audit,
      approvals: w.approvals,
      sandbox,
      runner,
      submit,
      budget: w.config.agent.budget,
      mcp: { prepare: () => mcp.manager.prepare(), halt: (reason) => mcp.manager.halt(reason) },
    }),
    ...scheduleRoutes(schedules, w.audit, profileNamed),
    ...mcp.routes,
  ];
  return {
    model: model ? { id: model.id, ...inUse(choice.value, w.config), detail: choice.value.detail } : null,
    routes,
  };
}

/** Which provider and model the daemon uses: the configured ones, or what start-up found. */
function inUse(choice: ModelChoice, config: Config): { provider: string; name?: string } {
  if (choice.kind === "detected") return { provider: "openai-compatible", name: choice.model };
  if (choice.kind === "embedded") return { provider: "embedded", name: basename(choice.path) };
  return { provider: config.model.provider, ...(config.model.model ? { name: config.model.model } : {}) };
}
