// Questions a task asks its owner (the ask_owner tool): persisted, answered once, expired to "no answer" after the
// approvals' expiry time, and awaited by the task that asked, also across a restart (the same call finds its own
// question again instead of asking twice). Every text is redacted before it is stored. Never decides policy.
import { randomBytes } from "node:crypto";
import { err, ok, type Result, WardenError } from "../errors.js";
import type { Redactor } from "../log/index.js";
import type { Store } from "../store/index.js";
import { TASKS_MIGRATIONS } from "./schema.js";

export type QuestionState = "pending" | "answered" | "expired" | "cancelled";

export interface Question {
  id: string;
  task: string;
  /** The tool call that asked (one question per call). */
  call: string;
  text: string;
  state: QuestionState;
  answer: string | null;
  answeredBy: string | null;
  /** Epoch milliseconds. */
  createdAt: number;
  expiresAt: number;
  resolvedAt: number | null;
}

export interface QuestionsDeps {
  store: Store;
  redactor: Pick<Redactor, "redact">;
  /** How long a question waits for an answer (the daemon passes approvals.expiryMinutes). */
  expiryMs: number;
  clock?: () => number;
}

interface Row {
  id: string;
  task_id: string;
  call_id: string;
  text: string;
  state: QuestionState;
  answer: string | null;
  answered_by: string | null;
  created_at: number;
  expires_at: number;
  resolved_at: number | null;
}

const toQuestion = (r: Row): Question => ({
  id: r.id,
  task: r.task_id,
  call: r.call_id,
  text: r.text,
  state: r.state,
  answer: r.answer,
  answeredBy: r.answered_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  resolvedAt: r.resolved_at,
});

/** Longest question or answer kept; longer texts are cut (a question is for a human to read). */
export const MAX_QUESTION_CHARS = 8192;

/** Contract: methods throw only the store's own failures; refusals (unknown, already answered) are Results. */
export class Questions {
  private readonly clock: () => number;
  private readonly waiters = new Map<string, ((q: Question) => void)[]>();
  private timer: NodeJS.Timeout | undefined;

  private constructor(private readonly deps: QuestionsDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  /** Migrate, expire what ran out while Warden was down, and arm the expiry timer. */
  static open(deps: QuestionsDeps): Questions {
    deps.store.migrate("tasks", TASKS_MIGRATIONS);
    const q = new Questions(deps);
    q.sweep();
    return q;
  }

  /** The question this call asked, or a new one: a call resumed after a restart waits on the question it made. */
  /** `expiresInMs` overrides the usual wait (a scheduled run's short one: nobody is watching). */
  ask(input: { task: string; call: string; text: string; expiresInMs?: number }): Question {
    const existing = this.deps.store
      .prepare("SELECT * FROM task_questions WHERE task_id = ? AND call_id = ?")
      .get(input.task, input.call) as Row | undefined;
    if (existing) return toQuestion(existing);
    const id = `q_${randomBytes(9).toString("base64url")}`;
    const now = this.clock();
    this.deps.store
      .prepare(
        `INSERT INTO task_questions (id, task_id, call_id, text, state, created_at, expires_at)
         VALUES (?,?,?,?,'pending',?,?)`,
      )
      .run(
        id,
        input.task,
        input.call,
        this.deps.redactor.redact(input.text.slice(0, MAX_QUESTION_CHARS)),
        now,
        now + (input.expiresInMs ?? this.deps.expiryMs),
      );
    this.arm();
    return this.get(id) as Question;
  }

  get(id: string): Question | undefined {
    const row = this.deps.store.prepare("SELECT * FROM task_questions WHERE id = ?").get(id) as Row | undefined;
    return row ? toQuestion(row) : undefined;
  }

  list(filter: { state?: QuestionState; task?: string } = {}): Question[] {
    const rows = this.deps.store
      .prepare(
        `SELECT * FROM task_questions WHERE (@state IS NULL OR state = @state) AND (@task IS NULL OR task_id = @task)
         ORDER BY created_at, rowid LIMIT 1000`,
      )
      .all({ state: filter.state ?? null, task: filter.task ?? null }) as Row[];
    return rows.map(toQuestion);
  }

  /**
   * Answer a pending question of `task`. NOT_FOUND when the task has no such question; CONFLICT when it was already
   * answered or cancelled; APPROVAL_EXPIRED when its time ran out (it is expired now, and its waiter told).
   */
  answer(id: string, input: { task: string; text: string; by: string }): Result<Question> {
    const q = this.get(id);
    if (!q || q.task !== input.task)
      return err(new WardenError("NOT_FOUND", `task ${input.task} has no question ${id}`));
    const now = this.clock();
    if (q.state === "pending" && q.expiresAt <= now) {
      this.sweep();
      return err(new WardenError("APPROVAL_EXPIRED", `question ${id} expired unanswered`));
    }
    const info = this.deps.store
      .prepare(
        `UPDATE task_questions SET state = 'answered', answer = ?, answered_by = ?, resolved_at = ?
         WHERE id = ? AND state = 'pending'`,
      )
      .run(this.deps.redactor.redact(input.text.slice(0, MAX_QUESTION_CHARS)), input.by, now, id);
    const after = this.get(id) as Question;
    if (info.changes === 0) {
      const code = after.state === "expired" ? "APPROVAL_EXPIRED" : "CONFLICT";
      return err(new WardenError(code, `question ${id} is ${after.state}`));
    }
    this.settle(after);
    return ok(after);
  }

  /** The task stopped: its pending questions are cancelled (their waiters told). */
  cancelTask(task: string): void {
    const pending = this.list({ state: "pending", task });
    this.deps.store
      .prepare("UPDATE task_questions SET state = 'cancelled', resolved_at = ? WHERE task_id = ? AND state = 'pending'")
      .run(this.clock(), task);
    for (const q of pending) this.settle(this.get(q.id) as Question);
  }

  /** Resolves once the question is no longer pending (answered, expired, cancelled); at once if it already is. */
  wait(id: string): Promise<Question> {
    const q = this.get(id);
    if (!q) return Promise.reject(new WardenError("NOT_FOUND", `no question ${id}`));
    if (q.state === "pending" && q.expiresAt <= this.clock()) this.sweep();
    const now = this.get(id) as Question;
    if (now.state !== "pending") return Promise.resolve(now);
    return new Promise((resolve) => {
      const list = this.waiters.get(id) ?? [];
      list.push(resolve);
      this.waiters.set(id, list);
    });
  }

  /** Expire every pending question whose time is up, then re-arm the timer. */
  sweep(): Question[] {
    const now = this.clock();
    const due = this.deps.store
      .prepare("SELECT * FROM task_questions WHERE state = 'pending' AND expires_at <= ?")
      .all(now) as Row[];
    this.deps.store
      .prepare(
        "UPDATE task_questions SET state = 'expired', resolved_at = ? WHERE state = 'pending' AND expires_at <= ?",
      )
      .run(now, now);
    const expired = due.map((r) => this.get(r.id) as Question);
    for (const q of expired) this.settle(q);
    this.arm();
    return expired;
  }

  /** Stop the expiry timer; waiters are left as they are (the daemon halts their tasks first). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private settle(q: Question): void {
    const list = this.waiters.get(q.id);
    this.waiters.delete(q.id);
    for (const resolve of list ?? []) resolve(q);
  }

  /** One timer, for the next question to expire. */
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const row = this.deps.store
      .prepare("SELECT MIN(expires_at) AS next FROM task_questions WHERE state = 'pending'")
      .get() as { next: number | null };
    if (row.next === null) return;
    // setTimeout holds at most ~24.8 days; a later expiry is re-armed by the sweep that wakes up early.
    const delay = Math.min(Math.max(0, row.next - this.clock()), 2 ** 31 - 1);
    this.timer = setTimeout(() => this.sweep(), delay);
    this.timer.unref();
  }
}
