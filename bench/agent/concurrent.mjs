// 200 concurrent tasks, against the compiled code (npx tsc -p tsconfig.build.json) and the bundle (npm run build).
// Prints one JSON object.
// - In process: the real TaskRunner (limits 4 overall, 2 per key) with the real task table and audit log (SQLite,
//   synchronous=NORMAL), the real policy engine and tools, a zero-latency model and a zero-cost sandbox. 200 tasks
//   from 4 keys with skewed loads (110/50/25/15), all submitted at once, the busiest key first. Reported per key: the
//   completion ranks (first, median, last) and its share of the first 40 completions. Baseline in the same run: the
//   same tasks through one FIFO queue (every task under one key), which is what a runner without fair shares does.
//   Also the wall time against a bare loop that drives the same model turns in memory.
// - In a real daemon: `warden start` on a temp home whose model is a zero-latency OpenAI-compatible server in this
//   process (SSE streaming); 200 tasks posted at once (detach), each turn: list_dir, exec ls (real bubblewrap),
//   then an answer. The daemon's RSS is sampled from /proc every 20 ms and its peak (VmHWM) read at the end; baseline:
//   the same daemon idle, before the tasks. Target: peak < 200 MB.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { builtinTools, TaskRunner } from "../../dist/agent/index.js";
import { AuditLog, ExecutionJournal } from "../../dist/audit/index.js";
import { ValueRedactor } from "../../dist/log/index.js";
import { compilePolicyTexts } from "../../dist/policy/index.js";
import { SqliteStore } from "../../dist/store/index.js";
import { Tasks } from "../../dist/tasks/index.js";
import { benchDaemon, fakeModel, instantSandbox, noGate } from "./daemon.mjs";

const TASKS = Number(process.env.BENCH_TASKS ?? 200);
const LOADS = [
  ["owner", 0.55],
  ["schedule:backup", 0.25],
  ["schedule:inbox", 0.125],
  ["paired:alice", 0.075],
];
const TURNS = 3; // list_dir, exec, answer

const POLICY = `
rules:
  - id: list-ws
    effect: allow
    reason: bench
    match: { tool: list_dir, path: "\${workspace}/**" }
  - id: true-in-ws
    effect: allow
    reason: bench
    match: { tool: exec, executable: "true", cwd: "\${workspace}/**" }
`;

/** Answers at once: turn 1 list_dir, turn 2 exec true, turn 3 the answer (by the tool results in the request). */
const instantModel = {
  id: "instant",
  async chat(req) {
    const done = req.messages.filter((m) => m.role === "tool").length;
    const calls = [
      [{ id: "c1", name: "list_dir", arguments: "{}" }],
      [{ id: "c2", name: "exec", arguments: '{"argv":["true"]}' }],
      [],
    ][Math.min(done, 2)];
    return {
      ok: true,
      value: {
        content: calls.length ? "" : "done",
        toolCalls: calls,
        usage: { promptTokens: 100, completionTokens: 10 },
        finishReason: calls.length ? "tool_calls" : "stop",
      },
    };
  },
  async probe() {
    return { ok: true, value: { models: ["instant"] } };
  },
};

const keysFor = () => {
  const out = [];
  for (const [key, share] of LOADS) for (let i = 0; i < Math.round(TASKS * share); i++) out.push(key);
  return out.slice(0, TASKS);
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** 200 tasks through a real TaskRunner; `fifo`: every task under one key (the baseline). */
async function inProcess(fifo) {
  const dir = mkdtempSync(join(tmpdir(), "warden-bench-conc-"));
  const store = SqliteStore.open(join(dir, "state.db"), { durability: "normal" });
  const redactor = new ValueRedactor();
  const audit = AuditLog.open(store, { redactor });
  const tasks = Tasks.open({ store, redactor, workspacesRoot: join(dir, "ws") });
  const policy = compilePolicyTexts({ "bench.yaml": POLICY });
  if (!policy.ok) throw policy.error;
  const runner = new TaskRunner(
    {
      model: instantModel,
      tasks,
      tools: builtinTools({ sandbox: instantSandbox }),
      decide: (a) => policy.value.decide(a),
      gate: noGate,
      audit,
      journal: ExecutionJournal.open(store, audit),
      redactor,
    },
    { maxConcurrent: 4, maxPerKey: 2 },
  );
  const keys = keysFor();
  const created = [];
  for (const key of keys)
    created.push({ key, id: (await tasks.create({ prompt: "bench", principal: "owner" })).value.id });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 10);
  const order = [];
  const t0 = performance.now();
  const outcomes = await Promise.all(
    created.map(({ key, id }) =>
      runner.submit(id, { key: fifo ? "all" : key }).then((o) => {
        order.push(key);
        return o;
      }),
    ),
  );
  const wallMs = performance.now() - t0;
  clearInterval(sampler);
  await audit.close?.();
  store.close();
  rmSync(dir, { recursive: true, force: true });
  const perKey = {};
  const window = LOADS.length * 10;
  for (const [key] of LOADS) {
    const ranks = order.flatMap((k, i) => (k === key ? [i + 1] : []));
    perKey[key] = {
      tasks: ranks.length,
      firstRank: ranks[0],
      medianRank: median(ranks),
      lastRank: ranks.at(-1),
      [`inFirst${window}`]: order.slice(0, window).filter((k) => k === key).length,
    };
  }
  const firsts = Object.values(perKey).map((k) => k.firstRank);
  return {
    completed: outcomes.filter((o) => o.state === "done").length,
    wallMs: +wallMs.toFixed(1),
    perTaskMs: +(wallMs / TASKS).toFixed(3),
    peakRssMB: +(peakRss / 2 ** 20).toFixed(1),
    perKey,
    /** Rank of the last key's first completion: how long the least busy sender waited to be served at all. */
    firstRankSpread: Math.max(...firsts) - Math.min(...firsts),
  };
}

/** The same model turns driven by a bare loop in memory: what the work costs without Warden. */
async function bareLoop() {
  const t0 = performance.now();
  await Promise.all(
    keysFor().map(async () => {
      const messages = [{ role: "user", content: "bench" }];
      for (;;) {
        const r = await instantModel.chat({ messages });
        messages.push({ role: "assistant", content: r.value.content, toolCalls: r.value.toolCalls });
        if (r.value.toolCalls.length === 0) break;
        for (const c of r.value.toolCalls) messages.push({ role: "tool", content: '{"ok":true}', toolCallId: c.id });
      }
    }),
  );
  return { wallMs: +(performance.now() - t0).toFixed(1) };
}

/** The model: list_dir, then ls in the sandbox, then the answer (by the number of tool results so far). */
const script = (json) => {
  const done = (json.messages ?? []).filter((m) => m.role === "tool").length;
  const call = [
    { name: "list_dir", arguments: "{}" },
    { name: "exec", arguments: '{"argv":["ls"]}' },
  ][done];
  return call ? { call } : { content: "done" };
};

const status = (pid) => readFileSync(`/proc/${pid}/status`, "utf8");
const kb = (s, field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(s)?.[1] ?? Number.NaN);

async function inDaemon() {
  const server = await fakeModel(script);
  const daemon = await benchDaemon(server, { config: "store:\n  durability: normal\n" });
  const { info, token, api } = daemon;
  try {
    await new Promise((r) => setTimeout(r, 1000)); // settle after start-up
    const idleRssMB = kb(status(info.pid), "VmRSS") / 1024;
    let sampledPeak = 0;
    const sampler = setInterval(() => {
      try {
        sampledPeak = Math.max(sampledPeak, kb(status(info.pid), "VmRSS"));
      } catch {
        // the daemon went away: reported below by the task count
      }
    }, 20);
    // Each task's end comes on the event stream (task.ended), so the bench does not poll the daemon.
    const ended = new Map();
    const ws = new WebSocket(new URL("/v1/events", info.url.replace(/^http/, "ws")), {
      headers: { authorization: `Bearer ${token}` },
    });
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    ws.on("message", (m) => {
      const e = JSON.parse(String(m));
      if (e.type === "task.ended") ended.set(e.data.task, e.data.state);
    });
    const t0 = performance.now();
    const posted = await Promise.all(
      Array.from({ length: TASKS }, (_, i) => api("POST", "/v1/tasks", { prompt: `bench ${i}`, detach: true })),
    );
    const ids = new Set(posted.map((p) => p.task));
    while ([...ids].some((id) => !ended.has(id))) await new Promise((r) => setTimeout(r, 50));
    const wallMs = performance.now() - t0;
    clearInterval(sampler);
    // The events said how each ended; the task table must agree.
    const states = {};
    for (const id of ids) {
      const { state } = await api("GET", `/v1/tasks/${id}`);
      states[state] = (states[state] ?? 0) + 1;
    }
    ws.close();
    const s = status(info.pid);
    const result = {
      tasks: TASKS,
      states,
      wallMs: +wallMs.toFixed(0),
      tasksPerSecond: +(TASKS / (wallMs / 1000)).toFixed(1),
      idleRssMB: +idleRssMB.toFixed(1),
      sampledPeakRssMB: +(sampledPeak / 1024).toFixed(1),
      peakRssMB: +(kb(s, "VmHWM") / 1024).toFixed(1),
      afterRssMB: +(kb(s, "VmRSS") / 1024).toFixed(1),
      targetPeakRssMB: 200,
    };
    return result;
  } finally {
    server.close();
    await daemon.close();
  }
}

await inProcess(false); // warm-up
const fair = await inProcess(false);
const fifo = await inProcess(true);
const bare = await bareLoop();
const daemon = process.env.BENCH_NO_DAEMON ? null : await inDaemon();
const result = {
  node: process.version,
  tasks: TASKS,
  turnsPerTask: TURNS,
  limits: { maxConcurrent: 4, maxPerKey: 2 },
  loads: Object.fromEntries(LOADS.map(([k, s]) => [k, Math.round(TASKS * s)])),
  inProcess: { fairQueue: fair, baselineFifoQueue: fifo, baselineBareLoop: bare },
  ratios: {
    fairVsBareWall: +(fair.wallMs / bare.wallMs).toFixed(1),
    lightestKeyFirstRankFairVsFifo: `${fair.perKey["paired:alice"].firstRank} vs ${fifo.perKey["paired:alice"].firstRank}`,
  },
  daemon,
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
