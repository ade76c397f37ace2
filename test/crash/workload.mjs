// The crash test's child: a daemon-like workload against the COMPILED code, killed with SIGKILL by the parent at a
// random moment. It prints one line to stdout after each step is durable ("ev", "req", "ans", "start", "end"), so
// the parent knows what was committed before the kill. It never re-runs an interrupted execution: it only starts
// new ones, each with a fresh id, and writes the side effect of each to a file to prove "at most once".
// Usage: node workload.mjs <dist folder> <database> <side-effects file>
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [dist, dbPath, sidePath] = process.argv.slice(2);
const load = (p) => import(pathToFileURL(join(dist, p)).href);
const { SqliteStore } = await load("store/index.js");
const { AuditLog, ExecutionJournal } = await load("audit/index.js");
const { Approvals } = await load("approvals/index.js");

const out = (line) => writeSync(1, `${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const store = SqliteStore.open(dbPath);
const audit = AuditLog.open(store);
const journal = ExecutionJournal.open(store, audit);
// Start-up: first mark what a crash cut off, before anything new runs.
const interrupted = journal.recoverInterrupted();
const approvals = Approvals.open({ store, audit, config: {} });
out(`ready ${interrupted.length}`);

const owner = { id: "owner", role: "owner", via: "cli" };
const decision = { effect: "ask", rule: "crash", reason: "crash test" };

async function events(producer) {
  for (let i = 0; ; i++) {
    const e = await audit.append({ type: "tool.proposed", actor: `agent:${producer}`, task: "load", data: { i } });
    out(`ev ${e.seq} ${e.hash}`);
  }
}

async function asks() {
  for (let i = 0; ; i++) {
    const req = approvals.request({ task: "load", action: { tool: "exec", argv: ["echo", String(i)] }, decision });
    out(`req ${req.id}`);
    await sleep(1);
    if (i % 2 === 0) {
      out(`try ${req.id}`);
      const r = approvals.answer(req.id, owner, { decision: i % 4 === 0 ? "approve" : "deny" });
      if (!r.ok) throw r.error;
      out(`ans ${req.id} ${r.value.state}`);
    }
  }
}

async function executions() {
  for (let i = 0; ; i++) {
    const rec = journal.begin({
      task: "load",
      actor: "agent:exec",
      action: { tool: "exec", argv: ["touch", String(i)] },
    });
    out(`start ${rec.id}`);
    // The side effect: written and synced only after the start record is durable.
    const fd = openSync(sidePath, "a");
    writeSync(fd, `${rec.id}\n`);
    fsyncSync(fd);
    closeSync(fd);
    await sleep(3); // the action "runs" for a while: a kill often lands here
    journal.end(rec.id, { exitCode: 0, durationMs: 3 });
    out(`end ${rec.id}`);
  }
}

await Promise.all([events(1), events(2), events(3), events(4), asks(), executions()]);
