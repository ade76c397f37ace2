// Runs tasks with limits: at most `maxConcurrent` at once and `maxPerKey` per key (an owner, a paired user, a
// schedule), served round-robin across keys so one busy sender cannot starve the others. Cancel one task, or halt
// everything (queued tasks cancelled, running ones aborted, their approvals cancelled, every sandbox killed).
// Never runs a task twice and never throws out of submit: the outcome says how the task ended.
import type { Task } from "../tasks/index.js";
import { type AgentDeps, type RunOptions, type RunOutcome, runTask } from "./loop.js";

export interface RunnerOptions {
  /** Tasks running at once, overall (default 4). */
  maxConcurrent?: number;
  /** Tasks running at once for one key (default 2). */
  maxPerKey?: number;
  /** Killed on halt, after every task was told to stop. */
  sandbox?: { killAll(): Promise<void> };
}

interface Job {
  taskId: string;
  key: string;
  opts: RunOptions;
  abort: AbortController;
  resolve: (o: RunOutcome) => void;
}

export class TaskRunner {
  private readonly queues = new Map<string, Job[]>();
  private readonly active = new Map<string, Job>();
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

  /** Queue a task (it must be `queued`); resolves once it ended. `key` defaults to the task's principal. */
  submit(taskId: string, opts: RunOptions & { key?: string } = {}): Promise<RunOutcome> {
    const { key, ...runOpts } = opts;
    const task = this.deps.tasks.get(taskId);
    const done = new Promise<RunOutcome>((resolve) => {
      const abort = new AbortController();
      runOpts.signal?.addEventListener("abort", () => this.cancel(taskId), { once: true });
      const job: Job = { taskId, key: key ?? task?.principal ?? "owner", opts: runOpts, abort, resolve };
      const q = this.queues.get(job.key) ?? [];
      q.push(job);
      this.queues.set(job.key, q);
    });
    this.settled.add(done);
    void done.then(() => this.settled.delete(done));
    this.pump();
    return done;
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

  private cancelQueued(job: Job, reason: string): RunOutcome {
    const t = this.deps.tasks.transition(job.taskId, "cancelled", { from: ["queued"], result: reason });
    const task = t.ok ? t.value : (this.deps.tasks.get(job.taskId) as Task);
    return { state: "cancelled", text: reason, task };
  }

  /** Start what the limits allow, taking keys in turn after the one served last. */
  private pump(): void {
    while (this.active.size < this.maxConcurrent) {
      const job = this.nextJob();
      if (!job) return;
      this.active.set(job.taskId, job);
      this.perKey.set(job.key, (this.perKey.get(job.key) ?? 0) + 1);
      const signal = job.abort.signal;
      void runTask(this.deps, job.taskId, { ...job.opts, signal })
        .catch((e: unknown): RunOutcome => {
          const task = this.deps.tasks.get(job.taskId) as Task;
          return { state: "failed", text: `internal error: ${String(e)}`, task };
        })
        .then((outcome) => {
          this.active.delete(job.taskId);
          this.perKey.set(job.key, (this.perKey.get(job.key) ?? 1) - 1);
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
