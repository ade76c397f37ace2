// The task table: create (with a fresh workspace), read, move between states, count usage, raise taint, keep the
// redacted transcript, the grants a task holds, and the start-up sweep. Every text that enters is redacted first. Never runs a task itself,
// and never moves a task out of a final state.
import { randomBytes } from "node:crypto";
import { realpath, stat } from "node:fs/promises";
import { err, ok, type Result, WardenError } from "../errors.js";
import type { Redactor } from "../log/index.js";
import type { Grant, Principal, Taint } from "../policy/index.js";
import type { Store } from "../store/index.js";
import { TASKS_MIGRATIONS } from "./schema.js";
import {
  FINAL_STATES,
  type Task,
  type TaskBudget,
  type TaskState,
  type TaskUsage,
  type TranscriptEntry,
} from "./types.js";
import { createWorkspace, type WorkspaceOwner } from "./workspace.js";

export interface TasksDeps {
  store: Store;
  redactor: Pick<Redactor, "redact">;
  /** Folder under which each task gets its own workspace. */
  workspacesRoot: string;
  /** Set when Warden runs as root: workspaces are created owned by the sandbox uid/gid. */
  workspaceOwner?: WorkspaceOwner;
  clock?: () => Date;
}

export interface CreateTaskInput {
  prompt: string;
  principal: Principal;
  agent?: string;
  parent?: string;
  budget?: TaskBudget;
  /** A sub-agent inherits its parent's taint; a task from a non-owner starts untrusted. */
  taint?: Taint;
  /** Work in this existing folder instead of a fresh one (`warden ask --workspace DIR`). */
  workspace?: string;
  /**
   * Capabilities the task holds (a sub-agent's attenuated grants). Stored with `task` set to the new task's id, so
   * they count for this task only; checking them against the parent's is the policy engine's job, not this table's.
   */
  grants?: readonly Grant[];
  /** The schedule this task is a run of (the scheduler sets it). */
  schedule?: string;
  /** The policy profile its actions carry; a sub-agent gets its parent's (the spawn tool passes it). */
  profile?: string;
}

export interface NewMessage {
  role: TranscriptEntry["role"];
  content: string;
  toolCalls?: { id: string; name: string; arguments: string }[];
  toolCallId?: string;
}

interface Row {
  id: string;
  parent_id: string | null;
  principal: Principal;
  schedule: string | null;
  profile: string | null;
  agent: string;
  state: TaskState;
  prompt: string;
  workspace: string;
  taint: Taint;
  budget_steps: number | null;
  budget_tokens: number | null;
  budget_wall_ms: number | null;
  used_steps: number;
  used_tokens: number;
  used_wall_ms: number;
  result: string | null;
  created_at: string;
  updated_at: string;
}

const toTask = (r: Row): Task => {
  const budget: TaskBudget = {};
  if (r.budget_steps !== null) budget.steps = r.budget_steps;
  if (r.budget_tokens !== null) budget.tokens = r.budget_tokens;
  if (r.budget_wall_ms !== null) budget.wallMs = r.budget_wall_ms;
  return {
    id: r.id,
    parent: r.parent_id,
    principal: r.principal,
    schedule: r.schedule,
    profile: r.profile,
    agent: r.agent,
    state: r.state,
    prompt: r.prompt,
    workspace: r.workspace,
    taint: r.taint,
    budget,
    usage: { steps: r.used_steps, tokens: r.used_tokens, wallMs: r.used_wall_ms },
    result: r.result,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
};

async function existingFolder(path: string): Promise<string> {
  const real = await realpath(path);
  if (!(await stat(real)).isDirectory()) throw new Error(`${path} is not a folder`);
  return real;
}

const FINAL_SQL = FINAL_STATES.map((s) => `'${s}'`).join(",");

/** Contract: methods throw only STORE_FAILED-class errors of the store; expected refusals are Results. */
export class Tasks {
  private readonly clock: () => Date;

  private constructor(private readonly deps: TasksDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  static open(deps: TasksDeps): Tasks {
    deps.store.migrate("tasks", TASKS_MIGRATIONS);
    return new Tasks(deps);
  }

  private now(): string {
    return this.clock().toISOString();
  }

  async create(input: CreateTaskInput): Promise<Result<Task>> {
    if (input.parent !== undefined && !this.get(input.parent))
      return err(new WardenError("NOT_FOUND", `no parent task ${input.parent}`));
    const id = `t_${randomBytes(9).toString("base64url")}`;
    let workspace: string;
    try {
      // A given folder is used as it is (never chowned), by its real path: tools compare real paths against it.
      workspace =
        input.workspace === undefined
          ? await createWorkspace(this.deps.workspacesRoot, id, this.deps.workspaceOwner)
          : await existingFolder(input.workspace);
    } catch (e) {
      return err(
        new WardenError("INTERNAL", `cannot create the task workspace: ${(e as Error).message}`, {}, { cause: e }),
      );
    }
    const now = this.now();
    const b = input.budget ?? {};
    const insertGrant = this.deps.store.prepare(
      "INSERT INTO task_grants (task_id, grant_id, grant_json) VALUES (?,?,?)",
    );
    const insertTask = this.deps.store.prepare(
      `INSERT INTO tasks (id, parent_id, principal, agent, state, prompt, workspace, taint, budget_steps,
           budget_tokens, budget_wall_ms, created_at, updated_at, schedule, profile)
         VALUES (?,?,?,?,'queued',?,?,?,?,?,?,?,?,?,?)`,
    );
    this.deps.store.transaction(() => {
      insertTask.run(
        id,
        input.parent ?? null,
        input.principal,
        input.agent ?? "main",
        this.deps.redactor.redact(input.prompt),
        workspace,
        input.taint ?? (input.principal === "owner" ? "trusted" : "untrusted"),
        b.steps ?? null,
        b.tokens ?? null,
        b.wallMs ?? null,
        now,
        now,
        input.schedule ?? null,
        input.profile ?? null,
      );
      for (const g of input.grants ?? []) insertGrant.run(id, g.id, JSON.stringify({ ...g, task: id }));
    });
    return ok(this.get(id) as Task);
  }

  get(id: string): Task | undefined {
    const row = this.deps.store.prepare("SELECT * FROM tasks WHERE id = ?").get(id) as Row | undefined;
    return row ? toTask(row) : undefined;
  }

  list(filter: { state?: TaskState; parent?: string; limit?: number } = {}): Task[] {
    const rows = this.deps.store
      .prepare(
        `SELECT * FROM tasks WHERE (@state IS NULL OR state = @state) AND (@parent IS NULL OR parent_id = @parent)
         ORDER BY created_at DESC, rowid DESC LIMIT @limit`,
      )
      .all({ state: filter.state ?? null, parent: filter.parent ?? null, limit: filter.limit ?? 100 }) as Row[];
    return rows.map(toTask);
  }

  /**
   * Tasks of a principal or schedule (no sub-agents) still `queued`, oldest first: after a restart they run again in
   * the order they were asked for. A sub-agent is run only by its parent's call, so it is never among them.
   */
  queuedTopLevel(): Task[] {
    const rows = this.deps.store
      .prepare("SELECT * FROM tasks WHERE state = 'queued' AND parent_id IS NULL ORDER BY created_at, rowid")
      .all() as Row[];
    return rows.map(toTask);
  }

  /**
   * Move a task to `to`; refused (CONFLICT) from a final state, or when `from` is given and the task is elsewhere.
   * `result` (final answer or reason) is redacted before it is stored.
   */
  transition(id: string, to: TaskState, opts: { from?: readonly TaskState[]; result?: string } = {}): Result<Task> {
    const from = opts.from?.map((s) => `'${s}'`).join(",");
    const info = this.deps.store
      .prepare(
        `UPDATE tasks SET state = ?, result = COALESCE(?, result), updated_at = ?
         WHERE id = ? AND state NOT IN (${FINAL_SQL})${from ? ` AND state IN (${from})` : ""}`,
      )
      .run(to, opts.result === undefined ? null : this.deps.redactor.redact(opts.result), this.now(), id);
    const task = this.get(id);
    if (!task) return err(new WardenError("NOT_FOUND", `no task ${id}`));
    if (info.changes === 0) return err(new WardenError("CONFLICT", `task ${id} is ${task.state}, cannot become ${to}`));
    return ok(task);
  }

  /** The grants the task holds, in the order they were given (empty for a task created without any). */
  grants(id: string): Grant[] {
    const rows = this.deps.store
      .prepare("SELECT grant_json FROM task_grants WHERE task_id = ? ORDER BY rowid")
      .all(id) as { grant_json: string }[];
    return rows.map((r) => JSON.parse(r.grant_json) as Grant);
  }

  /** How many ancestors the task has: 0 for a task from a principal, 1 for its sub-agent, and so on. */
  depth(id: string): number {
    let n = 0;
    for (let t = this.get(id); t?.parent; t = this.get(t.parent)) {
      n += 1;
      if (n > 1000) break; // parents are set at creation and never change: a cycle cannot exist, but never loop forever
    }
    return n;
  }

  /** Add to the usage counters. */
  addUsage(id: string, delta: Partial<TaskUsage>): void {
    this.deps.store
      .prepare(
        `UPDATE tasks SET used_steps = used_steps + ?, used_tokens = used_tokens + ?, used_wall_ms = used_wall_ms + ?,
           updated_at = ? WHERE id = ?`,
      )
      .run(delta.steps ?? 0, delta.tokens ?? 0, Math.round(delta.wallMs ?? 0), this.now(), id);
  }

  /** Taint only ever rises: trusted -> untrusted, never back. */
  taint(id: string): void {
    this.deps.store
      .prepare("UPDATE tasks SET taint = 'untrusted', updated_at = ? WHERE id = ? AND taint = 'trusted'")
      .run(this.now(), id);
  }

  /**
   * Append messages to the transcript, each redacted (content and tool-call arguments), and add `usage` in the same
   * transaction. Returns their seqs.
   */
  append(id: string, messages: readonly NewMessage[], usage?: Partial<TaskUsage>): number[] {
    const r = (s: string) => this.deps.redactor.redact(s);
    return this.deps.store.transaction(() => {
      if (usage) this.addUsage(id, usage);
      const last = this.deps.store
        .prepare("SELECT COALESCE(MAX(seq), 0) AS n FROM task_messages WHERE task_id = ?")
        .get(id) as { n: number };
      const insert = this.deps.store.prepare(
        `INSERT INTO task_messages (task_id, seq, role, content, tool_calls, tool_call_id, created_at)
         VALUES (?,?,?,?,?,?,?)`,
      );
      const now = this.now();
      return messages.map((m, i) => {
        const seq = last.n + i + 1;
        const calls = m.toolCalls?.map((c) => ({ id: c.id, name: r(c.name), arguments: r(c.arguments) }));
        insert.run(id, seq, m.role, r(m.content), calls ? JSON.stringify(calls) : null, m.toolCallId ?? null, now);
        return seq;
      });
    });
  }

  transcript(id: string): TranscriptEntry[] {
    const rows = this.deps.store.prepare("SELECT * FROM task_messages WHERE task_id = ? ORDER BY seq").all(id) as {
      seq: number;
      role: TranscriptEntry["role"];
      content: string;
      tool_calls: string | null;
      tool_call_id: string | null;
      created_at: string;
    }[];
    return rows.map((m) => {
      const e: TranscriptEntry = { seq: m.seq, role: m.role, content: m.content, createdAt: m.created_at };
      if (m.tool_calls !== null) e.toolCalls = JSON.parse(m.tool_calls);
      if (m.tool_call_id !== null) e.toolCallId = m.tool_call_id;
      return e;
    });
  }

  /**
   * Start-up sweep: tasks that were running when Warden stopped are marked interrupted (returned, so the caller
   * reports them) and never re-run; waiting_approval and queued tasks keep their state (the caller resumes them),
   * except sub-agents whose parent ended (nobody would read their answer) and queued sub-agents (only their parent's
   * spawn call runs them, and that call ended with the previous daemon; a resumed parent makes the call again):
   * they are interrupted too.
   */
  sweep(): Task[] {
    const running = this.list({ state: "running", limit: 1_000_000 });
    for (const t of running)
      this.transition(t.id, "interrupted", { from: ["running"], result: "Warden stopped while this task was running" });
    const swept = running.map((t) => t.id);
    const queuedChildren = this.deps.store
      .prepare("SELECT id FROM tasks WHERE state = 'queued' AND parent_id IS NOT NULL")
      .all() as { id: string }[];
    for (const { id } of queuedChildren) {
      const t = this.transition(id, "interrupted", {
        from: ["queued"],
        result: "Warden stopped before this sub-agent started; its parent's call ended with it",
      });
      if (t.ok) swept.push(id);
    }
    const orphans = this.deps.store.prepare(
      `SELECT c.id FROM tasks c JOIN tasks p ON p.id = c.parent_id
       WHERE c.state NOT IN (${FINAL_SQL}) AND p.state IN (${FINAL_SQL})`,
    );
    // Each round reaches one level further down the tree; a tree is at most a few levels deep.
    for (let rows = orphans.all() as { id: string }[]; rows.length > 0; rows = orphans.all() as { id: string }[]) {
      for (const { id } of rows) {
        this.transition(id, "interrupted", { result: "its parent task ended while Warden was stopped" });
        swept.push(id);
      }
    }
    return swept.map((id) => this.get(id) as Task);
  }
}
