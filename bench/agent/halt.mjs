// bench/agent/halt: how fast the kill switch works in a real daemon. Tasks run `sleep 31.5` in real bubblewrap sandboxes
// (allowed by a rule), others wait on an approval (exec of anything else asks), more wait in the queue; then
// `POST /v1/halt`. Measured: until the API answers, and until every task has ended, no sandboxed process is left and
// no approval is pending. Baseline in the same run: SIGKILL of the same number of bare `sleep` processes until the
// kernel has reaped them (the floor of "kill a process"). Target: everything stopped within 1 s. Prints one JSON
// object. Needs `npm run build` first. Usage: node bench/agent/halt.mjs [rounds]
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { benchDaemon, fakeModel } from "./daemon.mjs";

const ROUNDS = Number(process.argv[2] ?? 5);
const SLEEPERS = 6; // more than the owner's 2 runner slots: two run, four queue
const ASKERS = 4;
const MARK = "31.5"; // `sleep 31.5`: a duration nothing else on the machine uses, so the process scan finds ours

const POLICY = `
rules:
  - id: bench-sleep
    effect: allow
    reason: the halt bench runs sleep in the sandbox
    match: { tool: exec, executable: sleep, argv: ["${MARK}"] }
`;

/** The model: a task's first turn is its exec (sleep for "sleep ..." prompts, else a command that asks), then done. */
const script = (json) => {
  const prompt = String(json.messages?.find((m) => m.role === "user")?.content ?? "");
  if ((json.messages ?? []).some((m) => m.role === "tool")) return { content: "done" };
  const argv = prompt.includes("sleep") ? ["sleep", MARK] : ["touch", "asked"];
  return { call: { name: "exec", arguments: JSON.stringify({ argv }) } };
};

/** Processes whose command line is exactly `sleep MARK` (in any pid namespace: /proc shows them all). */
function sleepers() {
  let n = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8") === `sleep\0${MARK}\0`) n++;
    } catch {
      // gone while we looked
    }
  }
  return n;
}

async function until(check, limitMs) {
  const t0 = performance.now();
  while (!(await check())) {
    if (performance.now() - t0 > limitMs) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
  return true;
}

async function haltRound(api) {
  // Askers first: each gives its runner slot back once it waits on an approval; then the sleepers take the owner's
  // two slots (maxPerKey) and the rest of them queue.
  const pending = async () => (await api("GET", "/v1/approvals")).approvals?.filter((a) => a.state === "pending") ?? [];
  const post = (prompt) => api("POST", "/v1/tasks", { prompt, detach: true }).then((t) => t.task);
  const ids = await Promise.all(Array.from({ length: ASKERS }, (_, i) => post(`write ${i}`)));
  const asked = await until(async () => (await pending()).length >= ASKERS, 30_000);
  ids.push(...(await Promise.all(Array.from({ length: SLEEPERS }, (_, i) => post(`sleep ${i}`)))));
  const ready = asked && (await until(async () => sleepers() >= 2, 30_000));
  if (!ready) {
    const states = await Promise.all(ids.map((id) => api("GET", `/v1/tasks/${id}`)));
    throw new Error(
      `the tasks never reached their waits (sleepers ${sleepers()}): ${JSON.stringify(states.map((t) => [t.state, t.transcript?.at(-2)]))}`,
    );
  }
  const before = { runningSandboxes: sleepers(), pendingApprovals: (await pending()).length, tasks: ids.length };
  const t0 = performance.now();
  await api("POST", "/v1/halt");
  const answeredMs = performance.now() - t0;
  const ended = async () => {
    const states = await Promise.all(ids.map((id) => api("GET", `/v1/tasks/${id}`).then((t) => t.state)));
    return states.every((s) => s === "cancelled" || s === "done" || s === "failed");
  };
  const stopped = await until(
    async () => sleepers() === 0 && (await pending()).length === 0 && (await ended()),
    10_000,
  );
  return { ...before, answeredMs, allStoppedMs: stopped ? performance.now() - t0 : null };
}

/** The floor: SIGKILL the same number of bare processes and wait until the kernel has reaped them all. */
async function bareKill() {
  const children = Array.from({ length: 4 }, () => spawn("sleep", [MARK], { stdio: "ignore" }));
  await until(() => sleepers() >= 4, 5000);
  const t0 = performance.now();
  const exited = children.map((c) => new Promise((r) => c.once("exit", r)));
  for (const c of children) c.kill("SIGKILL");
  await Promise.all(exited);
  await until(() => sleepers() === 0, 5000);
  return performance.now() - t0;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x) => (x === null ? null : Math.round(x * 10) / 10);

const server = await fakeModel(script);
const daemon = await benchDaemon(server, { policy: POLICY });
try {
  const { api } = daemon;
  const rounds = [];
  const bare = [];
  for (let i = 0; i < ROUNDS; i++) {
    rounds.push(await haltRound(api));
    bare.push(await bareKill());
  }
  const stoppedAll = rounds.map((r) => r.allStoppedMs);
  process.stdout.write(
    `${JSON.stringify(
      {
        bench: "halt",
        rounds: ROUNDS,
        perRound: {
          tasks: SLEEPERS + ASKERS,
          ...(rounds[0] && {
            runningSandboxes: rounds[0].runningSandboxes,
            pendingApprovals: rounds[0].pendingApprovals,
          }),
        },
        halt_answered_ms_p50: round(median(rounds.map((r) => r.answeredMs))),
        all_stopped_ms_p50: stoppedAll.includes(null) ? null : round(median(stoppedAll)),
        all_stopped_ms_max: stoppedAll.includes(null) ? null : round(Math.max(...stoppedAll)),
        baseline_bare_sigkill_4_processes_ms_p50: round(median(bare)),
        target_ms: 1000,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  server.close();
  await daemon.close();
}
