// Test harness for the agent loop: a real Store in a temp folder, real Tasks, the real policy engine with a small
// policy, the FakeSandbox, the ScriptedApprovalGate, an in-memory audit sink and a real execution journal.
// Used by tests only.
import { join } from "node:path";
import { type Script, ScriptedApprovalGate } from "../approvals/gate.fake.js";
import { ExecutionJournal } from "../audit/index.js";
import { MemoryAuditSink } from "../audit/sink.fake.js";
import { ValueRedactor } from "../log/index.js";
import type { ModelProvider } from "../models/index.js";
import { type Action, compilePolicyTexts, type DecideContext, type Decision } from "../policy/index.js";
import { DEFAULT_PROFILE, profileLimits, type Sandbox } from "../sandbox/index.js";
import { FakeSandbox } from "../sandbox/sandbox.fake.js";
import { SqliteStore } from "../store/index.js";
import { type CreateTaskInput, Tasks } from "../tasks/index.js";
import { type AgentDeps, type RunOptions, runTask } from "./loop.js";
import { ScriptedModel, type ScriptStep } from "./model.fake.js";
import { builtinTools } from "./tools/index.js";

export const SECRET = "s3cr3t-VALUE-9f8e7d6c";

export const TEST_POLICY = `
rules:
  - id: read-ws
    effect: allow
    reason: reading in the workspace
    match: { tool: read_file, path: "\${workspace}/**" }
  - id: write-ws
    effect: allow
    reason: writing in the workspace
    match: { tool: write_file, path: "\${workspace}/**" }
  - id: plain-commands
    effect: allow
    reason: harmless commands
    match: { tool: exec, executable: [echo, cat, "true", rm], cwd: "\${workspace}/**" }
  - id: false-asks
    effect: ask
    reason: false needs a human
    match: { tool: exec, executable: "false", cwd: "\${workspace}/**" }
  - id: never-rm
    effect: deny
    reason: deleting is never allowed
    match: { tool: exec, executable: rm }
`;

export interface HarnessOptions {
  policy?: string;
  /** Default: the FakeSandbox. */
  sandbox?: Sandbox;
  /** The sandbox uid/gid, when Warden runs as root: workspaces and written files are given to it. */
  owner?: { uid: number; gid: number };
  gate?: Script;
  agent?: Partial<AgentDeps>;
}

export async function harness(dir: string, options: HarnessOptions = {}) {
  const store = SqliteStore.open(join(dir, "state.db"), { durability: "normal" });
  const redactor = new ValueRedactor();
  redactor.add("API_KEY", SECRET);
  const tasks = Tasks.open({
    store,
    redactor,
    workspacesRoot: join(dir, "workspaces"),
    ...(options.owner ? { workspaceOwner: options.owner } : {}),
  });
  const policy = compilePolicyTexts({ "test.yaml": options.policy ?? TEST_POLICY });
  if (!policy.ok) throw policy.error;
  const decisions: { action: Action; decision: Decision }[] = [];
  const decide = (action: Action, ctx?: DecideContext) => {
    const decision = policy.value.decide(action, ctx);
    decisions.push({ action, decision });
    return decision;
  };
  const audit = new MemoryAuditSink();
  const journal = ExecutionJournal.open(store, audit);
  const gate = new ScriptedApprovalGate(options.gate);
  const fake = new FakeSandbox(profileLimits(DEFAULT_PROFILE));
  const tools = builtinTools({
    sandbox: options.sandbox ?? fake,
    ...(options.owner ? { fileOwner: options.owner } : {}),
  });
  const deps = (model: ModelProvider): AgentDeps => ({
    model,
    tasks,
    tools,
    decide,
    gate,
    audit,
    journal,
    redactor,
    ...options.agent,
  });
  const run = async (steps: ScriptStep[], task: Partial<CreateTaskInput> = {}, opts: RunOptions = {}) => {
    const model = new ScriptedModel(steps);
    const created = await tasks.create({ prompt: "do the thing", principal: "owner", ...task });
    if (!created.ok) throw created.error;
    const outcome = await runTask(deps(model), created.value.id, opts);
    return { model, outcome, task: created.value, transcript: tasks.transcript(created.value.id) };
  };
  return {
    store,
    tasks,
    audit,
    gate,
    sandbox: fake,
    decisions,
    deps,
    run,
    /** The parsed tool results the model saw, in order. */
    results: (model: ScriptedModel) =>
      (model.requests.at(-1)?.messages ?? []).filter((m) => m.role === "tool").map((m) => JSON.parse(m.content)),
    [Symbol.dispose]: () => store.close(),
  };
}
