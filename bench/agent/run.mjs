// Agent loop benchmark, against the compiled code (npx tsc -p tsconfig.build.json). Prints one JSON object.
// - Warden's own overhead per turn with a zero-latency model and a zero-cost sandbox: "first" = runTask called ->
//   first model request out; "turn" = model answer with a tool call -> the next model request out (validation,
//   Action, policy, audit, execution journal, redaction, transcript), p50/p99. Baseline in the same run: a loop that
//   only calls the same model and appends the same messages in memory. "turnCpu" is the process CPU time (user +
//   system, all threads) spent in the same gaps: on a shared, loaded machine the wall-clock p99 also counts time the
//   process waited for a core.
// - Two set-ups: audit in memory with the store at synchronous=NORMAL (Warden's code path), and the real durable
//   path (AuditLog + synchronous=FULL: every step fsyncs, so it measures the disk as much as Warden).
// - The size in bytes of what Warden adds to every request: system prompt + tool schemas (target < 6 KB).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { builtinTools, runTask, systemPrompt, toolSpecs } from "../../dist/agent/index.js";
import { AuditLog, ExecutionJournal } from "../../dist/audit/index.js";
import { createHttpRequestTool } from "../../dist/egress/index.js";
import { ValueRedactor } from "../../dist/log/index.js";
import { compilePolicyTexts } from "../../dist/policy/index.js";
import { SqliteStore } from "../../dist/store/index.js";
import { Tasks } from "../../dist/tasks/index.js";
import { instantSandbox, noGate } from "./daemon.mjs";

const TURNS = Number(process.env.BENCH_TURNS ?? 2000);
const TASK_TURNS = 50;

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const stats = (xs) => ({ n: xs.length, p50Ms: +pct(xs, 50).toFixed(4), p99Ms: +pct(xs, 99).toFixed(4) });

const POLICY = `
rules:
  - id: true-in-ws
    effect: allow
    reason: bench
    match: { tool: exec, executable: "true", cwd: "\${workspace}/**" }
`;

/** A model that answers at once: TASK_TURNS - 1 tool calls, then a final answer. Records when each request came. */
class InstantModel {
  id = "instant";
  marks = [];
  n = 0;
  async chat() {
    this.marks.push({ in: performance.now(), cpuIn: cpuMs() });
    this.n += 1;
    const last = this.n % TASK_TURNS === 0;
    const out = {
      content: last ? "done" : "",
      toolCalls: last ? [] : [{ id: `c${this.n}`, name: "exec", arguments: '{"argv":["true"]}' }],
      usage: { promptTokens: 100, completionTokens: 10 },
      finishReason: last ? "stop" : "tool_calls",
    };
    const r = { ok: true, value: out };
    const m = this.marks.at(-1);
    m.cpuOut = cpuMs();
    m.out = performance.now();
    return r;
  }
  async probe() {
    return { ok: true, value: { models: ["instant"] } };
  }
}

const memoryAudit = () => {
  let seq = 0;
  const appendSync = (e) => ({
    seq: ++seq,
    ts: "",
    type: e.type,
    actor: e.actor,
    task: null,
    data: {},
    prev_hash: "",
    hash: "",
  });
  return { append: async (e) => appendSync(e), appendSync };
};

async function measure(durable) {
  const dir = mkdtempSync(join(tmpdir(), "warden-bench-agent-"));
  const store = SqliteStore.open(join(dir, "state.db"), { durability: durable ? "full" : "normal" });
  const redactor = new ValueRedactor();
  redactor.add("API_KEY", "bench-secret-value-123");
  const audit = durable ? AuditLog.open(store, { redactor }) : memoryAudit();
  const journal = ExecutionJournal.open(store, audit);
  const tasks = Tasks.open({ store, redactor, workspacesRoot: join(dir, "ws") });
  const policy = compilePolicyTexts({ "bench.yaml": POLICY });
  if (!policy.ok) throw policy.error;
  const model = new InstantModel();
  const deps = {
    model,
    tasks,
    tools: builtinTools({ sandbox: instantSandbox }),
    decide: (a) => policy.value.decide(a),
    gate: noGate,
    audit,
    journal,
    redactor,
  };
  const first = [];
  const turn = [];
  const turnCpu = [];
  const runs = Math.max(1, Math.round((durable ? TURNS / 10 : TURNS) / TASK_TURNS));
  for (let i = 0; i < runs; i++) {
    const t = await tasks.create({ prompt: "bench", principal: "owner" });
    const from = model.marks.length;
    const t0 = performance.now();
    const out = await runTask(deps, t.value.id);
    if (out.state !== "done") throw new Error(`bench task ended ${out.state}: ${out.text}`);
    const marks = model.marks.slice(from);
    first.push(marks[0].in - t0);
    for (let k = 1; k < marks.length; k++) {
      turn.push(marks[k].in - marks[k - 1].out);
      turnCpu.push(marks[k].cpuIn - marks[k - 1].cpuOut);
    }
  }
  if (durable) await audit.close?.();
  store.close();
  rmSync(dir, { recursive: true, force: true });
  return { first: stats(first), turn: stats(turn), turnCpu: stats(turnCpu) };
}

/** Baseline: the same model driven by a bare loop that keeps the messages in memory and does nothing else. */
async function baseline() {
  const model = new InstantModel();
  const turn = [];
  const runs = Math.max(1, Math.round(TURNS / TASK_TURNS));
  for (let i = 0; i < runs; i++) {
    const messages = [{ role: "user", content: "bench" }];
    for (;;) {
      const r = await model.chat({ messages, tools: [] });
      messages.push({ role: "assistant", content: r.value.content, toolCalls: r.value.toolCalls });
      if (r.value.toolCalls.length === 0) break;
      for (const c of r.value.toolCalls) messages.push({ role: "tool", content: '{"ok":true}', toolCallId: c.id });
    }
  }
  for (let k = 1; k < model.marks.length; k++)
    if (k % TASK_TURNS !== 0) turn.push(model.marks[k].in - model.marks[k - 1].out);
  return { turn: stats(turn) };
}

// Every built-in tool the daemon registers (the prompt size counts them all); the specs need no working deps.
const unused = () => {
  throw new Error("not called: only the tool specs are read");
};
const tools = toolSpecs(
  builtinTools({
    sandbox: instantSandbox,
    channels: { send: unused },
    subagents: { tasks: {}, runChild: unused },
    owner: { ask: unused },
    http: { tool: createHttpRequestTool({}), decide: unused },
  }),
);
const prompt = systemPrompt("/home/user/.local/share/warden/workspaces/t_XXXXXXXXXXXX");
const promptBytes = Buffer.byteLength(prompt);
const toolBytes = Buffer.byteLength(JSON.stringify(tools));
await measure(false); // warm-up
const result = {
  node: process.version,
  turnsPerTask: TASK_TURNS,
  overhead: { memoryAudit: await measure(false), durable: await measure(true), baselineBareLoop: await baseline() },
  addedPerRequest: {
    systemPromptBytes: promptBytes,
    toolSchemaBytes: toolBytes,
    totalBytes: promptBytes + toolBytes,
    targetBytes: 6 * 1024,
    tools: tools.map((t) => t.name),
  },
  targets: { turnP99Ms: 5 },
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
