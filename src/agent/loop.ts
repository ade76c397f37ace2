// The agent loop for one task: system prompt and request, then model turn -> tool calls (step.ts) -> results, until
// a final answer, a budget (steps, tokens, wall time), cancel, or a model failure; the task ends in done, failed or
// cancelled with the reason. The model is assumed compromised: it proposes, runToolCall decides and contains.
// Never throws for a model, tool or policy failure; never runs more tool calls than the budget allows.
import type { ApprovalGate } from "../approvals/index.js";
import type { AuditSink } from "../audit/index.js";
import type { Redactor } from "../log/index.js";
import type { ChatMessage, ModelProvider, ToolCall, ToolSpec } from "../models/index.js";
import type { Action, Decision, Grant } from "../policy/index.js";
import type { Task, TaskState, Tasks, TranscriptEntry } from "../tasks/index.js";
import { systemPrompt } from "./prompt.js";
import { type AgentEvent, type Journal, runToolCall, type StepDeps, type StepState } from "./step.js";
import { redactingStream, type StreamRedactorSource } from "./stream-redact.js";
import { STOPPED, SUSPEND, type Tool, toolSpec } from "./tool.js";

export interface AgentDeps {
  model: ModelProvider;
  tasks: Tasks;
  tools: readonly Tool<unknown>[];
  /** The policy (the daemon passes its watcher's decide); `grants` are the task's own (a sub-agent's attenuated ones). */
  decide: (action: Action, ctx?: { grants?: readonly Grant[] }) => Decision;
  gate: ApprovalGate;
  audit: AuditSink;
  journal: Journal;
  /** `maxValueLength` (SecretRedactor) lets streamed text out before the turn ends; see stream-redact.ts. */
  redactor: Pick<Redactor, "redact"> & StreamRedactorSource;
  /**
   * The task's approval requests still pending (the daemon passes `(t) => approvals.list({ state: "pending", task: t })`):
   * a resumed call waits on its request instead of asking again.
   */
  pendingApprovals?: StepDeps["pendingApprovals"];
  /** Tool calls beyond this in one model response are refused, not run (default 8). */
  maxCallsPerTurn?: number;
  /** Completion tokens asked per model turn (default 2048). */
  maxTokensPerTurn?: number;
  clock?: () => number;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Wait on a promise without holding a runner slot (the TaskRunner passes it; see ToolContext.idle). */
  idle?: <T>(p: Promise<T>) => Promise<T>;
  onEvent?: (e: AgentEvent) => void;
  /** Earlier turns of the same conversation (user requests and final answers), placed before the request. */
  history?: readonly ChatMessage[];
}

/** How a task ended. `cancelled` with a task row still `waiting_approval` means suspended (see runner.shutdown). */
export interface RunOutcome {
  state: Extract<TaskState, "done" | "failed" | "cancelled">;
  /** The final answer (done) or the reason (failed, cancelled), redacted. */
  text: string;
  task: Task;
}

/** The specs the model sees, and their size in bytes with the system prompt (bench/agent reports it). */
export function toolSpecs(tools: readonly Tool<unknown>[]): ToolSpec[] {
  return tools.map(toolSpec);
}

const TOO_MANY = (n: number) =>
  JSON.stringify({ ok: false, error: { code: "TOO_MANY_CALLS", reason: `at most ${n} tool calls per turn; not run` } });

type Stop = { state: RunOutcome["state"]; text: string };

/** Run a queued task to its end. Contract: resolves (never rejects) unless the store itself fails. */
export function runTask(deps: AgentDeps, taskId: string, opts: RunOptions = {}): Promise<RunOutcome> {
  return drive(deps, taskId, "queued", opts);
}

/**
 * Continue a task left waiting_approval by a restart: the conversation comes back from the transcript, and the tool
 * calls of the last turn that have no result yet go through policy again (a request still pending for the same
 * action is awaited, not asked twice; see AgentDeps.pendingApprovals). Nothing that already ran runs again.
 */
export function resumeTask(deps: AgentDeps, taskId: string, opts: RunOptions = {}): Promise<RunOutcome> {
  return drive(deps, taskId, "waiting_approval", opts);
}

async function drive(deps: AgentDeps, taskId: string, from: TaskState, opts: RunOptions): Promise<RunOutcome> {
  const clock = deps.clock ?? Date.now;
  const started = clock();
  const start = deps.tasks.transition(taskId, "running", { from: [from] });
  if (!start.ok) {
    const task = deps.tasks.get(taskId);
    if (!task) throw start.error;
    return { state: "failed", text: start.error.message, task };
  }
  const task = start.value;
  const actor = `agent:${task.agent}`;
  const budget = task.budget;

  // One controller stops whatever is in flight: the caller's cancel or the wall-time deadline.
  const stop = new AbortController();
  let stoppedBy: Stop | null = null;
  const halt = (s: Stop) => {
    stoppedBy ??= s;
    stop.abort();
    deps.gate.endTask(task.id, "warden", s.text); // a pending approval answers "cancelled" at once
  };
  // Aborted with reason SUSPEND (the daemon is stopping while this task waits on a person): the task stays
  // waiting_approval with its request or question pending, records nothing more, and the next daemon resumes it.
  const suspended: Stop = {
    state: "cancelled",
    text: "suspended: Warden stopped while the task waited; it resumes at the next start",
  };
  // Aborted with reason STOPPED (the daemon is stopping while this task runs): it ends interrupted, never re-run.
  const interrupted: Stop = { state: "cancelled", text: "Warden stopped while this task was running" };
  const onCancel = () => {
    if (opts.signal?.reason === STOPPED) return halt(interrupted);
    if (opts.signal?.reason !== SUSPEND) return halt({ state: "cancelled", text: "cancelled" });
    stoppedBy ??= suspended;
    stop.abort(SUSPEND);
  };
  if (opts.signal?.aborted) onCancel();
  opts.signal?.addEventListener("abort", onCancel, { once: true });
  const deadline =
    budget.wallMs === undefined
      ? undefined
      : setTimeout(
          () => halt({ state: "failed", text: "budget exhausted: wall time" }),
          Math.max(0, budget.wallMs - task.usage.wallMs),
        );

  const tools = new Map(deps.tools.map((t) => [t.name, t]));
  const specs = toolSpecs(deps.tools);
  const state: StepState = {
    task: task.id,
    agent: task.agent,
    principal: task.principal,
    ...(task.profile !== null ? { profile: task.profile } : {}),
    workspace: task.workspace,
    taint: task.taint,
    budget: {},
    written: new Set(),
    signal: stop.signal,
    ...(opts.idle ? { idle: opts.idle } : {}),
  };
  // The same Grant objects for every decision of this task: the engine caches their compiled form per object.
  const grants = deps.tasks.grants(task.id);
  const stepDeps: StepDeps = {
    tools,
    decide: (a) => deps.decide(a, { grants }),
    gate: deps.gate,
    audit: deps.audit,
    journal: deps.journal,
    redactor: deps.redactor,
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    ...(deps.pendingApprovals ? { pendingApprovals: deps.pendingApprovals } : {}),
    onWaiting: (waiting) => {
      if (stoppedBy === suspended) return; // stays waiting_approval for the next daemon
      flush(); // what led to the request is on record before anyone is asked
      if (waiting) deps.tasks.transition(task.id, "waiting_approval", { from: ["running"] });
      else deps.tasks.transition(task.id, "running", { from: ["waiting_approval"] });
    },
  };
  const fresh = from === "queued";
  const messages: ChatMessage[] = fresh
    ? [
        { role: "system", content: systemPrompt(task.workspace) },
        ...(opts.history ?? []),
        { role: "user", content: task.prompt },
      ]
    : deps.tasks.transcript(task.id).map(toChatMessage);
  const unanswered = fresh ? [] : unansweredCalls(messages);
  // The transcript is written once per turn (one transaction with the usage), and before any approval wait.
  let unsaved: ChatMessage[] = fresh ? [...messages] : [];
  let unsavedUsage = { steps: 0, tokens: 0 };
  function flush(): void {
    if (unsaved.length === 0 && unsavedUsage.steps === 0 && unsavedUsage.tokens === 0) return;
    deps.tasks.append(task.id, unsaved, unsavedUsage);
    unsaved = [];
    unsavedUsage = { steps: 0, tokens: 0 };
  }
  let steps = task.usage.steps;
  let tokens = task.usage.tokens;
  const maxCalls = deps.maxCallsPerTurn ?? 8;

  /** Run one turn's tool calls in order; a Stop when the task must end. */
  const handleCalls = async (calls: readonly ToolCall[]): Promise<Stop | null> => {
    try {
      for (const [i, call] of calls.entries()) {
        let content: string;
        if (i >= maxCalls) {
          content = TOO_MANY(maxCalls);
        } else {
          if (stoppedBy) return stoppedBy;
          if (budget.steps !== undefined && steps >= budget.steps)
            return { state: "failed", text: "budget exhausted: steps" };
          steps += 1;
          unsavedUsage.steps += 1;
          state.budget = remaining(budget, steps, tokens, task.usage.wallMs + clock() - started);
          const out = await runToolCall(stepDeps, state, call);
          // Suspended mid-call: its result is not recorded, so the next daemon runs the call again (it waits on the
          // same approval request or question).
          if (stoppedBy === suspended) return stoppedBy;
          if (out.fatal) return { state: "failed", text: out.fatal };
          if (out.usage) {
            // A sub-agent's work is this task's work: it counts against this task's budget too.
            steps += out.usage.steps;
            tokens += out.usage.tokens;
            unsavedUsage.steps += out.usage.steps;
            unsavedUsage.tokens += out.usage.tokens;
          }
          if (out.untrusted && state.taint === "trusted") {
            state.taint = "untrusted";
            deps.tasks.taint(task.id);
          }
          content = out.content;
        }
        const result: ChatMessage = { role: "tool", content, toolCallId: call.id };
        messages.push(result);
        unsaved.push(result);
      }
      return null;
    } finally {
      flush();
    }
  };

  const run = async (): Promise<Stop> => {
    if (unanswered.length > 0) {
      const stopped = await handleCalls(unanswered);
      if (stopped) return stopped;
    }
    for (;;) {
      if (stoppedBy) return stoppedBy;
      if (budget.steps !== undefined && steps >= budget.steps)
        return { state: "failed", text: "budget exhausted: steps" };
      if (budget.tokens !== undefined && tokens >= budget.tokens)
        return { state: "failed", text: "budget exhausted: tokens" };
      const maxTokens = Math.min(
        deps.maxTokensPerTurn ?? 2048,
        budget.tokens === undefined ? Infinity : budget.tokens - tokens,
      );
      // Streamed text is redacted before it leaves, also a value split across deltas (the stream holds a tail back).
      const live = opts.onEvent ? redactingStream(deps.redactor) : undefined;
      const emit = (delta: string) => {
        if (delta !== "") opts.onEvent?.({ type: "text", delta });
      };
      const res = await deps.model.chat(
        { messages, tools: specs, maxTokens, signal: stop.signal },
        live ? (delta) => emit(live.push(delta)) : undefined,
      );
      if (live) emit(live.end());
      if (stoppedBy) return stoppedBy;
      if (!res.ok) return { state: "failed", text: `model failed: ${res.error.message}` };
      const r = res.value;
      const used = Math.max(0, r.usage.promptTokens) + Math.max(0, r.usage.completionTokens);
      tokens += used;
      // The model's own words go back to it redacted too: no secret value stays in its context.
      const assistant: ChatMessage = { role: "assistant", content: deps.redactor.redact(r.content) };
      if (r.toolCalls.length > 0)
        assistant.toolCalls = r.toolCalls.map((c) => ({ ...c, arguments: deps.redactor.redact(c.arguments) }));
      messages.push(assistant);
      unsaved.push(assistant);
      unsavedUsage.tokens += used;
      // The text itself is in the transcript; the audit log records that the model answered and what it asked for.
      const recorded = await deps.audit
        .append({
          type: "model.response",
          actor,
          task: task.id,
          data: {
            model: deps.model.id,
            finishReason: r.finishReason,
            promptTokens: r.usage.promptTokens,
            completionTokens: r.usage.completionTokens,
            toolCalls: r.toolCalls.length,
          },
        })
        .then(
          () => true,
          () => false,
        );
      if (!recorded) return { state: "failed", text: "the audit log could not record the model's answer" };
      if (r.toolCalls.length === 0) return { state: "done", text: r.content };
      if (budget.tokens !== undefined && tokens >= budget.tokens)
        return { state: "failed", text: "budget exhausted: tokens" };

      const stopped = await handleCalls(r.toolCalls);
      if (stopped) return stopped;
    }
  };

  let end: Stop;
  try {
    end = await run();
  } catch (e) {
    // A store failure or a bug: the task still ends, failed, with the reason.
    end = { state: "failed", text: `internal error: ${(e as Error)?.message ?? String(e)}` };
  } finally {
    try {
      flush();
    } catch {
      // the store failed: the end of the task below reports it, or throws it to the caller
    }
    if (deadline) clearTimeout(deadline);
    opts.signal?.removeEventListener("abort", onCancel);
  }
  if (end === suspended) {
    deps.tasks.addUsage(task.id, { wallMs: clock() - started });
    // A task that had just left its wait is not waiting any more: it ran when Warden stopped, like any other.
    deps.tasks.transition(task.id, "interrupted", {
      from: ["running"],
      result: "Warden stopped while this task was running",
    });
    return { state: "cancelled", text: end.text, task: deps.tasks.get(task.id) as Task };
  }
  deps.gate.endTask(task.id, "warden", end.text); // nothing stays pending, and the task's grants end with it
  deps.tasks.addUsage(task.id, { wallMs: clock() - started });
  const text = deps.redactor.redact(end.text);
  const finalState = end === interrupted ? "interrupted" : end.state;
  const finished = deps.tasks.transition(task.id, finalState, { result: end.text });
  await deps.audit
    .append({
      type: "task.ended",
      actor,
      task: task.id,
      data: { state: finalState, steps, tokens, reason: end.state === "done" ? null : text },
    })
    .catch(() => undefined); // the task's own row already says how it ended
  return { state: end.state, text, task: finished.ok ? finished.value : (deps.tasks.get(task.id) as Task) };
}

function toChatMessage(e: TranscriptEntry): ChatMessage {
  const m: ChatMessage = { role: e.role, content: e.content };
  if (e.toolCalls) m.toolCalls = e.toolCalls;
  if (e.toolCallId !== undefined) m.toolCallId = e.toolCallId;
  return m;
}

/** The tool calls of the last assistant message that have no result yet, in order. */
function unansweredCalls(messages: readonly ChatMessage[]): ToolCall[] {
  const at = messages.findLastIndex((m) => m.role === "assistant");
  const last = messages[at];
  if (!last?.toolCalls) return [];
  const answered = new Set(messages.slice(at + 1).map((m) => m.toolCallId));
  return last.toolCalls.filter((c) => !answered.has(c.id));
}

function remaining(b: Task["budget"], steps: number, tokens: number, wallMs: number) {
  const out: { steps?: number; tokens?: number; wallMs?: number } = {};
  if (b.steps !== undefined) out.steps = Math.max(0, b.steps - steps);
  if (b.tokens !== undefined) out.tokens = Math.max(0, b.tokens - tokens);
  if (b.wallMs !== undefined) out.wallMs = Math.max(0, b.wallMs - wallMs);
  return out;
}
