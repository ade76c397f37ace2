// The schedules service the daemon runs: the schedules (config + owner's), the scheduler, each run as a task of the
// principal `schedule` with the schedule's policy profile, in "nobody watching" mode (short approval expiry, the owner
// notified), and the notices. A run is queued under the key schedule:<name>, so the runner's fair queue serves it like
// any other sender; a run the previous daemon left queued or waiting goes on unattended too (`start`).
// Never runs a task when the audit log cannot record that the schedule fired.
import type { Approval, ApprovalGate } from "../approvals/index.js";
import type { AuditSink } from "../audit/index.js";
import type { Result } from "../errors.js";
import type { Redactor } from "../log/index.js";
import type { Store } from "../store/index.js";
import type { Questions } from "../tasks/index.js";
import type { SchedulesConfig } from "./config.js";
import { Scheduler } from "./scheduler.js";
import { ScheduleStore } from "./store.js";
import { type Schedule, scheduleKey } from "./types.js";
import { type UnattendedRun, UnattendedTasks } from "./unattended.js";

export interface ScheduleServiceDeps {
  config: SchedulesConfig;
  store: Store;
  redactor: Pick<Redactor, "redact">;
  events: { publish(type: string, data?: Record<string, unknown>): void };
  audit: Pick<AuditSink, "append">;
  log?: { warn(obj: object, msg: string): void };
  clock?: () => number;
  maxSleepMs?: number;
}

/** How the service starts tasks: the daemon's task table and runner. */
export interface ScheduleTaskRunner {
  /** Create a queued task of the principal `schedule`, recording the schedule and the profile its actions carry. */
  create(input: {
    prompt: string;
    workspace?: string;
    schedule: string;
    profile?: string;
  }): Promise<Result<{ id: string }>>;
  /**
   * Run it under `key` (`resume`: a task left waiting_approval by a restart); resolves when it ended, or with
   * `suspended` when the daemon stopped first and the task goes on at the next start.
   */
  submit(task: string, key: string, resume?: boolean): Promise<RunEnd>;
}

export interface RunEnd {
  state: string;
  text: string;
  suspended?: boolean;
}

/** A scheduled run the previous daemon left queued or waiting on a person (from the task table). */
export interface LeftoverRun {
  task: string;
  schedule: string;
  /** waiting_approval: it resumes on the same request or question; queued: it starts now. */
  waiting: boolean;
}

/** Approval expiry of a run whose schedule is gone (removed while the daemon was down). */
const DEFAULT_EXPIRY_MS = 120_000;

export type NoticeKind = "approval_requested" | "question_asked" | "skipped" | "missed" | "failed" | "not_started";

/** What a task's ask_owner goes through (src/tasks Questions). */
export type OwnerQuestions = Pick<Questions, "ask" | "wait" | "cancelTask">;

export class ScheduleService {
  readonly unattended = new UnattendedTasks();
  readonly scheduler: Scheduler;
  readonly owned: ScheduleStore;
  private runner: ScheduleTaskRunner | undefined;
  private readonly clock: () => number;

  constructor(private readonly deps: ScheduleServiceDeps) {
    this.clock = deps.clock ?? Date.now;
    this.owned = ScheduleStore.open(deps.store);
    this.scheduler = new Scheduler({
      schedules: () => this.all(),
      store: this.owned,
      run: (s, at, missed) => this.run(s, at, missed),
      skipped: (s, at, reason) =>
        void this.notice(s.name, null, "skipped", `the run for ${at.toISOString()} was skipped: ${reason}`),
      clock: this.clock,
      ...(deps.maxSleepMs ? { maxSleepMs: deps.maxSleepMs } : {}),
    });
  }

  /** Config schedules first (read-only), then the owner's. */
  all(): Schedule[] {
    const fromConfig = this.deps.config.map((c): Schedule => ({ ...c, source: "config" }));
    return [...fromConfig, ...this.owned.added()];
  }

  get active(): boolean {
    return this.runner !== undefined;
  }

  /**
   * The approval gate for the agent: the requests of scheduled runs (and of their sub-agents: `parentOf` names a
   * task's parent) expire quickly and the owner hears of them.
   */
  gate(gate: ApprovalGate, parentOf?: (task: string) => string | null): ApprovalGate {
    return this.unattended.gate(gate, (a, run) => this.asked(a, run), parentOf);
  }

  /**
   * Start keeping time. Runs the previous daemon left queued or waiting go on first (unattended, counted as running,
   * so the catch-up of missed run times that follows does not overlap them). Without a runner (no model) schedules
   * are kept, never run.
   */
  start(runner: ScheduleTaskRunner, leftover: readonly LeftoverRun[] = []): void {
    this.runner = runner;
    for (const l of leftover) {
      const s = this.all().find((x) => x.name === l.schedule);
      const expiryMs = s ? s.approvalExpirySeconds * 1000 : DEFAULT_EXPIRY_MS;
      const what = l.waiting ? "waiting on a person" : "queued";
      const follow = this.follow(l.schedule, l.task, expiryMs, `the run left ${what} by the previous daemon`, () =>
        runner.submit(l.task, scheduleKey(l.schedule), l.waiting),
      );
      this.scheduler.adopt(l.schedule, follow);
    }
    this.scheduler.start();
  }

  stop(): void {
    this.scheduler.stop();
  }

  /** Tell the owner: a `schedule.notice` event and an audit event. Never throws. */
  async notice(schedule: string, task: string | null, kind: NoticeKind, text: string, extra: object = {}) {
    const data = { schedule, task, kind, text: this.deps.redactor.redact(text), ...extra };
    this.deps.events.publish("schedule.notice", data);
    this.deps.log?.warn(data, "schedule notice");
    await this.deps.audit
      .append({ type: "schedule.notice", actor: `schedule:${schedule}`, task, data })
      .catch(() => undefined); // the event and the log line above still reach the owner
  }

  /**
   * `questions` with the schedule's short expiry for the questions of unattended runs (and their sub-agents), the
   * owner told of each, as for approval requests. Other tasks' questions pass through unchanged.
   */
  questions(questions: OwnerQuestions, parentOf?: (task: string) => string | null): OwnerQuestions {
    return {
      ask: (input) => {
        const run = this.unattended.get(input.task, parentOf);
        if (!run) return questions.ask(input);
        const q = questions.ask({ ...input, expiresInMs: run.expiryMs });
        const expiresAt = new Date(q.expiresAt).toISOString();
        const text = `a scheduled run asks you a question (${q.id}); nobody is watching, so it goes unanswered at ${expiresAt} unless you answer`;
        void this.notice(run.schedule, input.task, "question_asked", text, { question: q.id, expiresAt });
        return q;
      },
      wait: (id) => questions.wait(id),
      cancelTask: (task) => questions.cancelTask(task),
    };
  }

  private asked(a: Approval, run: UnattendedRun): void {
    const text = `a scheduled run waits on approval ${a.id} (${a.summary}); nobody is watching, so it is denied at ${a.expiresAt} unless you answer`;
    void this.notice(run.schedule, a.task, "approval_requested", text, { approval: a.id, expiresAt: a.expiresAt });
  }

  private async run(s: Schedule, firedFor: Date, missed: boolean): Promise<void> {
    const runner = this.runner;
    if (!runner) return;
    const at = firedFor.toISOString();
    const recorded = await this.deps.audit
      .append({
        type: "schedule.fired",
        actor: `schedule:${s.name}`,
        data: { schedule: s.name, firedFor: at, missed, profile: s.profile ?? null },
      })
      .then(
        () => true,
        () => false,
      );
    if (!recorded) {
      await this.notice(s.name, null, "not_started", `the run for ${at} did not start: the audit log cannot record it`);
      return;
    }
    const created = await runner.create({
      prompt: s.prompt,
      schedule: s.name,
      ...(s.workspace ? { workspace: s.workspace } : {}),
      ...(s.profile ? { profile: s.profile } : {}),
    });
    if (!created.ok) {
      await this.notice(s.name, null, "not_started", `the run for ${at} did not start: ${created.error.message}`);
      return;
    }
    const task = created.value.id;
    this.deps.events.publish("schedule.run", { schedule: s.name, task, firedFor: at, missed });
    if (missed) {
      const text = `the run for ${at} was missed while Warden was not running; it runs once now`;
      await this.notice(s.name, task, "missed", text);
    }
    await this.follow(s.name, task, s.approvalExpirySeconds * 1000, `the run for ${at}`, () =>
      runner.submit(task, scheduleKey(s.name)),
    );
  }

  /** Run `task` unattended to its end; the owner hears when it ends other than done. */
  private async follow(
    schedule: string,
    task: string,
    expiryMs: number,
    what: string,
    submit: () => Promise<RunEnd>,
  ): Promise<void> {
    this.unattended.add(task, { schedule, expiryMs });
    try {
      const outcome = await submit();
      // Suspended (the daemon stopped first) is not an end: the run goes on at the next start.
      if (outcome.state !== "done" && outcome.suspended !== true)
        await this.notice(schedule, task, "failed", `${what} ended ${outcome.state}: ${outcome.text}`);
    } finally {
      this.unattended.delete(task);
    }
  }
}
