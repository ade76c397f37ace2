// Runs tasks with limits: at most `maxConcurrent` at once and `maxPerKey` per key (an owner, a paired user, a
// schedule), served round-robin across keys so one busy sender cannot starve the others. Cancel one task, or halt
// everything (queued tasks cancelled, running ones aborted, their approvals cancelled, every sandbox killed).
// Sub-agents run here too, under their parent's key and counted in the limits. A task that waits on something else
// (its sub-agent, the owner) gives its slot back meanwhile and queues to get one again, ahead of new tasks: a task
// holding a slot never waits on another task, so a tree of sub-agents cannot deadlock the runner, whatever the limits.
// Never runs a task twice and never throws out of submit: the outcome says how the task ended.
import type { Task } from "../tasks/index.js";
import { type AgentDeps, type RunOptions, type RunOutcome, resumeTask, runTask } from "./loop.js";
import type { AgentEvent } from "./step.js";
import { STOPPED, SUSPEND } from "./tool.js";

export interface RunnerOptions {
  /** Tasks running at once, overall (default 4). */
  maxConcurrent?: number;
  /** Tasks running at once for one key (default 2). */
  maxPerKey?: number;
  /** Killed on halt, after every task was told to stop. */
  sandbox?: { killAll(): Promise<void> };
  /** Events of sub-agents (their parent's submitter sees only the parent's own events). */
  onChildEvent?: (task: string, e: AgentEvent) => void;
}

interface Job {
  taskId: string;
  key: string;
  opts: RunOptions;
  /** Continue a task left waiting by a restart (resumeTask) instead of starting a queued one. */
  resume: boolean;
  abort: AbortController;
  resolve: (o: RunOutcome) => void;
  /** Counted in the limits right now (false while it waits idle). */
  holding: boolean;
  children: Set<string>;
}

interface Return {
  job: Job;
  wake: () => void;
}

export class TaskRunner {
  private readonly queues = new Map<string, Job[]>();
  private readonly active = new Map<string, Job>();
  /** Idle tasks whose wait ended, queued to get a slot back; served before new tasks. */
  private readonly returning: Return[] = [];
  private holding = 0;
  private readonly perKey = new Map<string, number>();
  private readonly settled = new Set<Promise<RunOutcome>>();
  private lastKey: string | null = null;
  private readonly maxConcurrent: number;
  private readonly maxPerKey: number;

  constructor(
    private readonly deps: AgentDeps,
    private readonly options: RunnerOptions = {},
  ) {
    this.maxConcurrent = options.maxConcurrent ?? 4;
    this.maxPerKey = options.maxPerKey ?? 2;
  }

  /**
   * Queue a task (it must be `queued`, or `waiting_approval` with `resume`); resolves once it ended. `key` defaults
   * to the task's principal.
   */
  submit(taskId: string, opts: RunOptions & { key?: string; resume?: boolean } = {}): Promise<RunOutcome> {
    const { key, resume, ...runOpts } = opts;
    const task = this.deps.tasks.get(taskId);
    const done = new Promise<RunOutcome>((resolve) => {
      const abort = new AbortController();
      runOpts.signal?.addEventListener("abort", () => this.cancel(taskId), { once: true });
      const job: Job = {
        taskId,
        key: key ?? task?.principal ?? "owner",
        opts: runOpts,
        resume: resume === true,
        abort,
        resolve,
        holding: false,
        children: new Set(),
      };
      // A stop that came before the task was even queued (a parent cancelled while it spawned) still stops it.
      if (runOpts.signal?.aborted) return resolve(this.cancelQueued(job, "cancelled"));
      const q = this.queues.get(job.key) ?? [];
      q.push(job);
      this.queues.set(job.key, q);
    });
    this.settled.add(done);
    void done.then(() => this.settled.delete(done));
    this.pump();
    return done;
  }

  /**
   * Run a queued sub-agent of a running task to its end, under the parent's key; stopping the parent (`signal`, or
   * cancel/halt of the parent) cancels it. The parent should wait on this through its `idle`, giving its slot back.
   */
  runChild(parentId: string, childId: string, signal: AbortSignal): Promise<RunOutcome> {
    const parent = this.active.get(parentId);
    const onEvent = this.options.onChildEvent;
    const outcome = this.submit(childId, {
      signal,
      ...(parent ? { key: parent.key } : {}),
      ...(onEvent ? { onEvent: (e: AgentEvent) => onEvent(childId, e) } : {}),
    });
    parent?.children.add(childId);
    void outcome.then(() => parent?.children.delete(childId));
    return outcome;
  }

  get running(): string[] {
    return [...this.active.keys()];
  }

  get queued(): string[] {
    return [...this.queues.values()].flat().map((j) => j.taskId);
  }

  /** Stop one task: a queued one is cancelled at once, a running one is aborted. False when it is not here. */
  cancel(taskId: string, reason = "cancelled"): boolean {
    const running = this.active.get(taskId);
    if (running) {
      for (const child of running.children) this.cancel(child, reason);
      running.abort.abort();
      return true;
    }
    for (const q of this.queues.values()) {
      const i = q.findIndex((j) => j.taskId === taskId);
      if (i < 0) continue;
      const [job] = q.splice(i, 1);
      if (job) job.resolve(this.cancelQueued(job, reason));
      return true;
    }
    return false;
  }

  /** The kill switch: cancel everything, kill every sandbox, resolve once every task has ended. */
  async halt(reason = "halted"): Promise<void> {
    for (const q of this.queues.values()) for (const job of q.splice(0)) job.resolve(this.cancelQueued(job, reason));
    for (const job of this.active.values()) job.abort.abort();
    await this.options.sandbox?.killAll();
    await Promise.all([...this.settled]);
  }

  /**
   * The daemon is stopping: tasks that never started stay queued (the next daemon runs them, in their order), running
   * ones are stopped and end `interrupted` (never re-run), and tasks waiting on a person are suspended (they stay waiting_approval with their request or
   * question pending; the next daemon resumes them). A queued sub-agent is cancelled: only its parent's call runs it.
   * Resolves once every task has let go; a kept task's outcome is `cancelled` with the task row still queued.
   */
  async shutdown(reason = "Warden stopped"): Promise<void> {
    for (const q of this.queues.values())
      for (const job of q.splice(0)) {
        const task = this.deps.tasks.get(job.taskId);
        if (task && task.parent === null && task.state === "queued")
          job.resolve({ state: "cancelled", text: `suspended: ${reason} before this task started`, task });
        else job.resolve(this.cancelQueued(job, reason));
      }
    for (const job of [...this.active.values()]) {
      const waiting = this.deps.tasks.get(job.taskId)?.state === "waiting_approval";
      job.abort.abort(waiting ? SUSPEND : STOPPED);
    }
    await this.options.sandbox?.killAll();
    await Promise.all([...this.settled]);
  }

  private cancelQueued(job: Job, reason: string): RunOutcome {
    const t = this.deps.tasks.transition(job.taskId, "cancelled", { from: ["queued"], result: reason });
    const task = t.ok ? t.value : (this.deps.tasks.get(job.taskId) as Task);
    return { state: "cancelled", text: reason, task };
  }

  private take(job: Job): void {
    job.holding = true;
    this.holding += 1;
    this.perKey.set(job.key, (this.perKey.get(job.key) ?? 0) + 1);
  }

  private giveBack(job: Job): void {
    if (!job.holding) return;
    job.holding = false;
    this.holding -= 1;
    this.perKey.set(job.key, (this.perKey.get(job.key) ?? 1) - 1);
  }

  /** Wait on `p` without a slot, then queue for one again (a stopped task goes on without one, to its end). */
  private async idle<T>(job: Job, p: Promise<T>): Promise<T> {
    if (!job.holding) return p;
    this.giveBack(job);
    this.pump();
    try {
      return await p;
    } finally {
      if (!job.abort.signal.aborted) {
        await new Promise<void>((wake) => {
          const entry: Return = { job, wake };
          const onAbort = () => {
            const i = this.returning.indexOf(entry);
            if (i >= 0) this.returning.splice(i, 1);
            wake();
          };
          job.abort.signal.addEventListener("abort", onAbort, { once: true });
          entry.wake = () => {
            job.abort.signal.removeEventListener("abort", onAbort);
            wake();
          };
          this.returning.push(entry);
          this.pump();
        });
      }
    }
  }

  /** Start what the limits allow: returning tasks first, then keys in turn after the one served last. */
  private pump(): void {
    while (this.holding < this.maxConcurrent) {
      const back = this.returning.findIndex((r) => (this.perKey.get(r.job.key) ?? 0) < this.maxPerKey);
      if (back >= 0) {
        const [r] = this.returning.splice(back, 1);
        if (r) {
          this.take(r.job);
          r.wake();
        }
        continue;
      }
      const job = this.nextJob();
      if (!job) return;
      this.active.set(job.taskId, job);
      this.take(job);
      const opts: RunOptions = { ...job.opts, signal: job.abort.signal, idle: (p) => this.idle(job, p) };
      void (job.resume ? resumeTask : runTask)(this.deps, job.taskId, opts)
        .catch((e: unknown): RunOutcome => {
          const task = this.deps.tasks.get(job.taskId) as Task;
          return { state: "failed", text: `internal error: ${String(e)}`, task };
        })
        .then((outcome) => {
          this.active.delete(job.taskId);
          this.giveBack(job);
          job.resolve(outcome);
          this.pump();
        });
    }
  }

  private nextJob(): Job | undefined {
    const keys = [...this.queues.keys()];
    const after = this.lastKey === null ? -1 : keys.indexOf(this.lastKey);
    const order = [...keys.slice(after + 1), ...keys.slice(0, after + 1)];
    for (const key of order) {
      if ((this.queues.get(key)?.length ?? 0) === 0 || (this.perKey.get(key) ?? 0) >= this.maxPerKey) continue;
      this.lastKey = key;
      return this.queues.get(key)?.shift();
    }
    return undefined;
  }
}
