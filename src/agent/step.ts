// One tool call, start to end: parse and validate the arguments (zod), build the Action, ask the policy, wait for a
// human on ask, run the tool (journaled when it changes something), redact the output, and hand back the text for
// the model. Every stage is audited. Nothing the model sends is executed unless it validated and was allowed;
// failures are results for the model, never exceptions. Only an audit write failure stops the task (`fatal`).
import { type ApprovalGate, awaitApproval, bindingHash } from "../approvals/index.js";
import type { AuditEventInput, AuditSink, ExecutionJournal } from "../audit/index.js";
import type { Redactor } from "../log/index.js";
import type { ToolCall } from "../models/index.js";
import { type Action, actionSchema, type Budget, type Decision, type Principal, type Taint } from "../policy/index.js";
import type { Tool, ToolContext, ToolError, ToolOutput } from "./tool.js";

export type Journal = Pick<ExecutionJournal, "begin" | "end">;

export type AgentEvent =
  | { type: "text"; delta: string }
  | { type: "tool.proposed"; call: ToolCall }
  | { type: "policy.decision"; call: ToolCall; effect: string; rule: string | null; reason: string }
  | { type: "approval.waiting"; call: ToolCall; approval: string }
  | { type: "tool.result"; call: ToolCall; ok: boolean };

export interface StepDeps {
  tools: ReadonlyMap<string, Tool<unknown>>;
  decide: (action: Action) => Decision;
  gate: ApprovalGate;
  audit: AuditSink;
  journal: Journal;
  redactor: Pick<Redactor, "redact">;
  onEvent?: (e: AgentEvent) => void;
  /** Requests of the task still pending (after a restart): a call for the same action waits on it, never asks twice. */
  pendingApprovals?: (task: string) => readonly { id: string; action: Record<string, unknown> }[];
  /** Called when the call waits on a human and when the answer came (task state waiting_approval <-> running). */
  onWaiting?: (waiting: boolean) => void;
}

export interface StepState {
  task: string;
  agent: string;
  principal: Principal;
  /** The task's policy profile (a scheduled run's), set by the runtime; absent for none. */
  profile?: string;
  workspace: string;
  taint: Taint;
  budget: Budget;
  written: Set<string>;
  signal: AbortSignal;
  /** Wait without holding the runner slot (RunOptions.idle); absent outside a runner: waits in place. */
  idle?: <T>(p: Promise<T>) => Promise<T>;
}

export interface StepOutcome {
  /** What goes back to the model as the tool message (redacted JSON). */
  content: string;
  /** The result held content the agent did not produce. */
  untrusted: boolean;
  /** Set when the task must stop (the audit log could not record a step). */
  fatal?: string;
  /** Work a sub-agent did for this call, added to the task's usage. */
  usage?: { steps: number; tokens: number };
}

const MAX_AUDITED_ARGS = 4096;
/** Larger arguments are refused unparsed (the biggest legitimate one, write_file content, is capped at 1 MiB). */
export const MAX_ARGUMENT_BYTES = 2 * 1024 * 1024;

export async function runToolCall(deps: StepDeps, state: StepState, call: ToolCall): Promise<StepOutcome> {
  const actor = `agent:${state.agent}`;
  const redact = (s: string) => deps.redactor.redact(s);
  const audit = async (type: string, data: Record<string, unknown>): Promise<string | null> => {
    const event: AuditEventInput = { type, actor, task: state.task, data };
    return deps.audit.append(event).then(
      () => null,
      (e: unknown) => `the audit log could not record ${type}: ${(e as Error)?.message ?? String(e)}`,
    );
  };
  // Events go to screens and channels: the call is shown redacted, like everything else that leaves.
  const shown: ToolCall = { id: call.id, name: redact(call.name), arguments: redact(call.arguments) };
  const answer = (out: ToolOutput | { ok: false; error: ToolError & { rule?: string | null } }): StepOutcome => {
    deps.onEvent?.({ type: "tool.result", call: shown, ok: out.ok });
    const body = out.ok ? { ok: true, ...out.value } : { ok: false, error: out.error };
    const untrusted = out.ok && out.untrusted === true;
    const content = redact(JSON.stringify(untrusted ? { ...body, untrusted: true } : body));
    return out.ok && out.usage ? { content, untrusted, usage: out.usage } : { content, untrusted };
  };
  const refuse = (code: string, reason: string, rule?: string | null) =>
    answer({ ok: false, error: rule === undefined ? { code, reason } : { code, reason, rule } });

  deps.onEvent?.({ type: "tool.proposed", call: shown });
  const args =
    call.arguments.length > MAX_AUDITED_ARGS ? `${call.arguments.slice(0, MAX_AUDITED_ARGS)}...` : call.arguments;
  const proposed = await audit("tool.proposed", {
    call: call.id.slice(0, 200),
    tool: redact(call.name.slice(0, 256)),
    arguments: redact(args),
  });
  if (proposed) return { content: "", untrusted: false, fatal: proposed };

  const tool = deps.tools.get(call.name);
  if (!tool)
    return refuse(
      "UNKNOWN_TOOL",
      `no tool named ${JSON.stringify(call.name.slice(0, 100))}; tools: ${[...deps.tools.keys()].join(", ")}`,
    );
  if (call.arguments.length > MAX_ARGUMENT_BYTES)
    return refuse("INVALID_ARGUMENTS", "the arguments are over 2 MiB; nothing was run");
  let raw: unknown;
  try {
    raw = call.arguments.trim() === "" ? {} : JSON.parse(call.arguments);
  } catch {
    return refuse("INVALID_JSON", "the arguments are not valid JSON; nothing was run");
  }
  const parsed = tool.schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(arguments)"}: ${i.message}`);
    return refuse("INVALID_ARGUMENTS", `${issues.join("; ")}; nothing was run`);
  }
  const candidate: Action = {
    ...tool.action(parsed.data, state.workspace),
    task: state.task,
    agent: state.agent,
    principal: state.principal,
    // Always set here, after the tool's part: no tool (and so no model output) can choose the profile.
    profile: state.profile,
    taint: state.taint,
    workspace: state.workspace,
    budget: state.budget,
  };
  const checked = actionSchema.safeParse(candidate);
  if (!checked.success) return refuse("INVALID_ARGUMENTS", "the action is malformed (too long or too many items)");
  const action = checked.data;

  const decision = decideSafely(deps.decide, action);
  const auditedAction = JSON.parse(redact(JSON.stringify(action))) as Record<string, unknown>;
  const decided = await audit("policy.decision", {
    call: call.id,
    action: auditedAction,
    effect: decision.effect,
    rule: decision.rule,
    reason: decision.reason,
    policyVersion: decision.policyVersion,
  });
  if (decided) return { content: "", untrusted: false, fatal: decided };
  deps.onEvent?.({
    type: "policy.decision",
    call: shown,
    effect: decision.effect,
    rule: decision.rule,
    reason: decision.reason,
  });
  if (decision.effect === "deny") return refuse("POLICY_DENIED", decision.reason, decision.rule);

  let approval: string | undefined;
  if (decision.effect === "ask") {
    const input = {
      task: state.task,
      action: auditedAction,
      decision: { effect: decision.effect, rule: decision.rule, reason: decision.reason },
      actor,
    };
    deps.onWaiting?.(true);
    const hash = bindingHash(auditedAction);
    const earlier = deps.pendingApprovals?.(state.task).find((a) => bindingHash(a.action) === hash);
    if (earlier) deps.onEvent?.({ type: "approval.waiting", call: shown, approval: earlier.id });
    // A stop ends the wait too (cancel also ends the request itself; a suspend leaves it pending for the next start).
    // The task holds no runner slot while a person decides.
    const wait = untilStopped(
      state.signal,
      earlier
        ? awaitExisting(deps.gate, earlier.id, auditedAction, actor)
        : awaitApprovalSafely(deps.gate, input, actor, (id) =>
            deps.onEvent?.({ type: "approval.waiting", call: shown, approval: id }),
          ),
    );
    const answered = await (state.idle ? state.idle(wait) : wait);
    deps.onWaiting?.(false);
    if (!answered.ok) return refuse(answered.code, answered.reason, decision.rule);
    approval = answered.id;
  }
  if (state.signal.aborted) return refuse("CANCELLED", "the task was stopped; nothing was run");

  const ctx: ToolContext = {
    workspace: state.workspace,
    decision,
    signal: state.signal,
    written: state.written,
    task: state.task,
    call: call.id,
    taint: state.taint,
    budget: state.budget,
    idle: async <T>(p: Promise<T>, o?: { human?: boolean }): Promise<T> => {
      if (o?.human) deps.onWaiting?.(true);
      try {
        return await (state.idle ? state.idle(p) : p);
      } finally {
        if (o?.human) deps.onWaiting?.(false);
      }
    },
  };
  let started: string | undefined;
  if (tool.sideEffect) {
    try {
      started = deps.journal.begin({
        task: state.task,
        actor,
        action: auditedAction,
        data: { call: call.id, ...(approval ? { approval } : {}) },
      }).id;
    } catch (e) {
      return { content: "", untrusted: false, fatal: `the execution journal could not record the start: ${String(e)}` };
    }
  }
  let out: ToolOutput;
  try {
    out = await tool.run(parsed.data, ctx);
  } catch (e) {
    // A bug in a tool is reported to the model like any failure; the loop goes on.
    out = { ok: false, error: { code: "TOOL_FAILED", reason: (e as Error)?.message ?? String(e) } };
  }
  if (started) {
    try {
      deps.journal.end(started, {
        exitCode: out.exitCode ?? (out.ok ? 0 : null),
        ...(out.ok ? {} : { error: out.error.code }),
      });
    } catch (e) {
      return { content: "", untrusted: false, fatal: `the execution journal could not record the end: ${String(e)}` };
    }
  }
  return answer(out);
}

type Answered = { ok: true; id: string } | { ok: false; code: string; reason: string };

function untilStopped(signal: AbortSignal, wait: Promise<Answered>): Promise<Answered> {
  const stopped: Answered = { ok: false, code: "CANCELLED", reason: "the task was stopped; nothing was run" };
  if (signal.aborted) return Promise.resolve(stopped);
  return new Promise((resolve) => {
    const onAbort = () => resolve(stopped);
    signal.addEventListener("abort", onAbort, { once: true });
    void wait.then((a) => {
      signal.removeEventListener("abort", onAbort);
      resolve(a);
    });
  });
}

/** Wait on a request made before a restart, then claim it, as awaitApproval does for a new one. */
async function awaitExisting(
  gate: ApprovalGate,
  id: string,
  action: Record<string, unknown>,
  actor: string,
): Promise<Answered> {
  try {
    const answer = await gate.wait(id);
    if (answer.state !== "approved") {
      const code = answer.state === "expired" ? "APPROVAL_EXPIRED" : "APPROVAL_DENIED";
      return { ok: false, code, reason: answer.reason ?? answer.state };
    }
    const used = gate.consume(id, action, actor);
    return used.ok ? { ok: true, id } : { ok: false, code: used.error.code, reason: used.error.message };
  } catch {
    return { ok: false, code: "APPROVAL_FAILED", reason: "the approval could not complete" };
  }
}

async function awaitApprovalSafely(
  gate: ApprovalGate,
  input: Parameters<typeof awaitApproval>[1],
  actor: string,
  onAsked: (id: string) => void,
): Promise<Answered> {
  // Announce the request id as soon as it exists (the CLI prints it), then wait as awaitApproval does.
  const announcing: ApprovalGate = {
    request: (i) => {
      const a = gate.request(i);
      onAsked(a.id);
      return a;
    },
    wait: (id) => gate.wait(id),
    consume: (id, action, who) => gate.consume(id, action, who),
    endTask: (task, who, reason) => gate.endTask(task, who, reason),
  };
  try {
    const r = await awaitApproval(announcing, input, actor);
    if (r.ok) return { ok: true, id: r.value.id };
    const reason = r.error.details.data?.reason;
    return { ok: false, code: r.error.code, reason: typeof reason === "string" ? reason : r.error.message };
  } catch (e) {
    // request() throws BAD_REQUEST for a malformed action, wait() rejects on shutdown: not approved either way.
    const code = (e as { code?: unknown })?.code;
    return {
      ok: false,
      code: typeof code === "string" ? code : "APPROVAL_FAILED",
      reason: "the approval could not complete",
    };
  }
}

/** The engine never throws, but whatever decide is passed in, a throw must deny, never crash the loop or allow. */
function decideSafely(decide: (a: Action) => Decision, action: Action): Decision {
  try {
    return decide(action);
  } catch (e) {
    const reason = `policy engine error: ${(e as Error)?.message ?? String(e)}`;
    return { effect: "deny", rule: null, file: null, line: null, reason, facts: {}, matched: [], policyVersion: "" };
  }
}
