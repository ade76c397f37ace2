// Benchmark of the audit log and the approval queue, against the compiled code (npx tsc -p tsconfig.build.json).
// Prints one JSON object. Every figure has a baseline measured in the same run on the same disk:
// - durable appends/s through group commit (64, then 512 concurrent producers each awaiting its own event) vs plain SQLite
//   inserts of the same rows (same columns and indexes) in transactions of the same size, without canonical
//   encoding, hashing or promises; plus one producer alone vs one insert per transaction;
// - verification events/s vs reading the same rows without hashing;
// - approval round trip (answer() through the in-process API until the waiting call resumes) vs one durable
//   UPDATE of one row; and the same through the HTTP control plane vs an empty GET on the same server.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Approvals, approvalRoutes } from "../../dist/approvals/index.js";
import { AuditLog } from "../../dist/audit/index.js";
import { EventBus, GatewayClient, Router, startGateway } from "../../dist/gateway/index.js";
import { SqliteStore } from "../../dist/store/index.js";

const PRODUCERS = [64, 512];
const GROUPED_EVENTS = 40_000;
const SERIAL_EVENTS = 400;
const ROUNDS = 3;
const ROUND_TRIPS = 200;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const round = (x, d = 0) => Number(x.toFixed(d));

const event = (i) => ({
  type: "policy.decision",
  actor: "agent:main",
  task: `task-${i % 17}`,
  data: {
    action: { tool: "exec", argv: ["git", "status", "--short"], cwd: "/home/owner/work/project" },
    decision: { effect: "allow", rule: "git-read", reason: "read-only git commands are allowed" },
    i,
  },
});

async function grouped(audit, total, producers) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: producers }, async () => {
      while (next < total) await audit.append(event(next++));
    }),
  );
  return total / ((performance.now() - t0) / 1000);
}

async function serial(audit, total) {
  const t0 = performance.now();
  for (let i = 0; i < total; i++) await audit.append(event(i));
  return total / ((performance.now() - t0) / 1000);
}

function baselineInserts(store, total, perTx) {
  // Same columns and indexes as audit_events, so the ratio isolates what chaining and group commit cost.
  store
    .prepare(
      "CREATE TABLE IF NOT EXISTS plain (seq INTEGER PRIMARY KEY, ts TEXT, type TEXT, actor TEXT, task TEXT, data TEXT, prev_hash TEXT, hash TEXT)",
    )
    .run();
  store.prepare("CREATE INDEX IF NOT EXISTS plain_task ON plain (task, seq)").run();
  store.prepare("CREATE INDEX IF NOT EXISTS plain_ts ON plain (ts)").run();
  const insert = store.prepare(
    "INSERT INTO plain (ts, type, actor, task, data, prev_hash, hash) VALUES (?,?,?,?,?,?,?)",
  );
  const filler = "0".repeat(64);
  const t0 = performance.now();
  for (let i = 0; i < total; i += perTx) {
    store.transaction(() => {
      for (let j = i; j < Math.min(total, i + perTx); j++) {
        const e = event(j);
        insert.run(new Date().toISOString(), e.type, e.actor, e.task, JSON.stringify(e.data), filler, filler);
      }
    });
  }
  return total / ((performance.now() - t0) / 1000);
}

function baselineRead(store) {
  // The same columns as verify reads, as arrays like verify gets them: only the hashing differs.
  const page = store.prepare(
    "SELECT seq, ts, type, actor, task, data, hash, 'baseline' FROM audit_events WHERE seq > ? ORDER BY seq LIMIT 10000",
  );
  page.raw(true);
  const t0 = performance.now();
  let after = 0;
  let n = 0;
  let bytes = 0;
  for (;;) {
    const rows = page.all(after);
    for (const r of rows) bytes += r[5].length + r[6].length;
    n += rows.length;
    if (rows.length < 10000) break;
    after = rows.at(-1)[0];
  }
  if (bytes === 0 && n > 0) throw new Error("unreachable: keeps the loop from being optimized away");
  return n / ((performance.now() - t0) / 1000);
}

async function roundTrips(store, audit) {
  const approvals = Approvals.open({ store, audit, config: {} });
  const owner = { id: "owner", role: "owner", via: "cli" };
  const times = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const req = approvals.request({
      task: `t${i}`,
      action: { tool: "exec", argv: ["git", "push"], cwd: "/w", n: i },
      decision: { effect: "ask", rule: "push", reason: "asks" },
    });
    const waiting = approvals.wait(req.id);
    const t0 = performance.now();
    const r = approvals.answer(req.id, owner, { decision: "approve", scope: "once" });
    if (!r.ok) throw r.error;
    await waiting;
    times.push(performance.now() - t0);
  }
  const http = await httpRoundTrips(approvals);
  approvals.close();
  store.prepare("CREATE TABLE IF NOT EXISTS plain_state (id INTEGER PRIMARY KEY, state TEXT)").run();
  store.prepare("INSERT OR REPLACE INTO plain_state VALUES (1, 'pending')").run();
  const update = store.prepare("UPDATE plain_state SET state = ? WHERE id = 1");
  const base = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const t0 = performance.now();
    store.transaction(() => update.run(i % 2 ? "approved" : "pending"));
    await Promise.resolve();
    base.push(performance.now() - t0);
  }
  return { times, base, http };
}

// The answer through the real control plane: POST /v1/approvals/:id/approve on the loopback gateway until the
// waiting call resumes; the baseline is a GET of an empty route on the same gateway.
async function httpRoundTrips(approvals) {
  const token = "b".repeat(43);
  const router = new Router().add({ method: "GET", path: "/v1/ping", handler: () => ({ body: {} }) });
  for (const r of approvalRoutes({ approvals })) router.add(r);
  const gateway = await startGateway({
    host: "127.0.0.1",
    port: 0,
    token,
    router,
    events: new EventBus(),
    onAuthFailure: () => {},
    onError: () => {},
  });
  const client = new GatewayClient(gateway.url, token);
  const times = [];
  const base = [];
  try {
    for (let i = 0; i < ROUND_TRIPS; i++) {
      const req = approvals.request({
        task: `h${i}`,
        action: { tool: "exec", argv: ["git", "push"], cwd: "/w", n: i },
        decision: { effect: "ask", rule: "push", reason: "asks" },
      });
      const waiting = approvals.wait(req.id);
      const t0 = performance.now();
      await client.request("POST", `/v1/approvals/${req.id}/approve`, { scope: "once" });
      await waiting;
      times.push(performance.now() - t0);
      const t1 = performance.now();
      await client.request("GET", "/v1/ping");
      base.push(performance.now() - t1);
    }
  } finally {
    await gateway.close();
  }
  return { times, base };
}

const dir = mkdtempSync(join(tmpdir(), "warden-bench-audit-"));
try {
  const store = SqliteStore.open(join(dir, "state.db"), { durability: "full" });
  const audit = AuditLog.open(store);
  const appends = [];
  for (const producers of PRODUCERS) {
    const rates = [];
    const base = [];
    for (let r = 0; r < ROUNDS; r++) {
      rates.push(await grouped(audit, GROUPED_EVENTS, producers));
      base.push(baselineInserts(store, GROUPED_EVENTS, producers));
    }
    appends.push({
      producers,
      medianPerSec: round(median(rates)),
      baselinePlainInsertsPerSec: round(median(base)),
      ratio: round(median(rates) / median(base), 3),
    });
  }
  const serialRate = await serial(audit, SERIAL_EVENTS);
  const serialBase = baselineInserts(store, SERIAL_EVENTS, 1);

  const verifyRates = [];
  const readRates = [];
  let count = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    const v = await audit.verify();
    if (!v.ok) throw new Error(`verify failed: ${JSON.stringify(v)}`);
    count = v.count;
    verifyRates.push(v.count / ((performance.now() - t0) / 1000));
    readRates.push(baselineRead(store));
  }

  const { times, base, http } = await roundTrips(store, audit);
  store.close();

  const appendsPerSec = appends[0].medianPerSec;
  const verifyPerSec = median(verifyRates);
  const rtP50 = pct(times, 50);
  console.log(
    JSON.stringify(
      {
        bench: "audit",
        durableAppends: {
          eventsPerRound: GROUPED_EVENTS,
          rounds: ROUNDS,
          byConcurrentProducers: appends,
          target: 20_000,
          meetsTargetAt64Producers: appendsPerSec >= 20_000,
          singleProducerPerSec: round(serialRate),
          singleProducerBaselinePerSec: round(serialBase),
        },
        verify: {
          events: count,
          medianPerSec: round(verifyPerSec),
          baselinePlainReadPerSec: round(median(readRates)),
          ratio: round(verifyPerSec / median(readRates), 3),
          target: 200_000,
          meetsTarget: verifyPerSec >= 200_000,
        },
        approvalRoundTrip: {
          path: "in-process answer() -> wait() resumes",
          samples: times.length,
          p50Ms: round(rtP50, 3),
          p99Ms: round(pct(times, 99), 3),
          baselineDurableUpdateP50Ms: round(pct(base, 50), 3),
          ratio: round(rtP50 / pct(base, 50), 2),
          targetP50Ms: 20,
          meetsTarget: rtP50 < 20,
        },
        approvalRoundTripHttp: {
          path: "POST /v1/approvals/:id/approve on the loopback gateway -> wait() resumes",
          samples: http.times.length,
          p50Ms: round(pct(http.times, 50), 3),
          p99Ms: round(pct(http.times, 99), 3),
          baselineEmptyGetP50Ms: round(pct(http.base, 50), 3),
          ratio: round(pct(http.times, 50) / pct(http.base, 50), 2),
          targetP50Ms: 20,
          meetsTarget: pct(http.times, 50) < 20,
        },
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
