// Kill -9 a Warden-like workload (compiled code, real SQLite file) many times and check after every kill:
// no committed audit event lost, the chain verifies, a pending approval is still pending, and an execution that
// was running is marked interrupted at the next start and never run again.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Approvals } from "../../src/approvals/index.js";
import { AuditLog, ExecutionJournal } from "../../src/audit/index.js";
import { SqliteStore } from "../../src/store/index.js";
import { tempDir } from "../support/tmp.js";

const ROOT = join(import.meta.dirname, "..", "..");
const DIST = join(ROOT, "dist");
const KILLS = 30;

/** The compiled files the workload needs, and whether any is missing or older than its source. */
function stale(): boolean {
  const sources = [
    "errors.ts",
    ...["store", "log", "audit", "approvals"].flatMap((d) =>
      readdirSync(join(ROOT, "src", d))
        .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.endsWith(".fake.ts"))
        .map((f) => join(d, f)),
    ),
  ];
  return sources.some((src) => {
    const out = join(DIST, src.replace(/\.ts$/, ".js"));
    return !existsSync(out) || statSync(out).mtimeMs < statSync(join(ROOT, "src", src)).mtimeMs;
  });
}

/** Build only when the compiled code is out of date: the build is most of this test's time. */
function build(): void {
  if (!stale()) return;
  try {
    execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "pipe" });
  } catch {
    // Why ignore: tsc still emits when files of other domains have type errors; the check below is what counts.
  }
  for (const f of ["store/index.js", "audit/index.js", "approvals/index.js"]) {
    if (!existsSync(join(DIST, f))) throw new Error(`build did not produce dist/${f}`);
  }
}

/** A small fixed-seed generator: the kill moments differ per round but every run is the same. */
function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

/** Run the workload, kill it `delayMs` after it is ready; return its complete stdout lines. */
async function runAndKill(db: string, side: string, delayMs: number): Promise<string[]> {
  const child = spawn(process.execPath, [join(import.meta.dirname, "workload.mjs"), DIST, db, side], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => {
    child.on("exit", (code, signal) => resolve(signal ?? code));
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d) => {
      stdout += d;
      if (stdout.includes("ready ")) resolve();
    });
    exited.then(() => reject(new Error(`workload exited early: ${stderr}`)));
  });
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill("SIGKILL");
  expect(await exited).toBe("SIGKILL");
  const lines = stdout.split("\n");
  lines.pop(); // the last piece may be a line cut off by the kill
  return lines;
}

describe("crash safety under SIGKILL", () => {
  it(`keeps the four invariants across ${KILLS} kills`, { timeout: 240_000 }, async () => {
    build();
    await using dir = await tempDir();
    const db = join(dir.path, "state.db");
    const side = join(dir.path, "side-effects.txt");
    const random = prng(20261125);
    const ackedEvents = new Map<number, string>();
    const pending = new Set<string>();
    const tried = new Set<string>();
    const answered = new Map<string, string>();
    let stillRunningAtKill = 0;
    let interruptedTotal = 0;

    for (let round = 0; round < KILLS; round++) {
      const lines = await runAndKill(db, side, 20 + Math.floor(random() * 120));
      const [, recovered] = lines[0]!.split(" ");
      // The start-up sweep marked exactly what the previous kill cut off.
      expect(Number(recovered)).toBe(stillRunningAtKill);
      interruptedTotal += Number(recovered);
      for (const line of lines.slice(1)) {
        const [kind, a, b] = line.split(" ");
        if (kind === "ev") ackedEvents.set(Number(a), b!);
        else if (kind === "req") pending.add(a!);
        else if (kind === "try") tried.add(a!);
        else if (kind === "ans") answered.set(a!, b!);
      }

      const store = SqliteStore.open(db);
      try {
        const audit = AuditLog.open(store);
        // 1. No committed event lost (and none changed).
        const lost = [...ackedEvents].filter(
          ([seq, hash]) =>
            (store.prepare("SELECT hash FROM audit_events WHERE seq = ?").get(seq) as { hash?: string } | undefined)
              ?.hash !== hash,
        );
        expect(lost).toEqual([]);
        // 2. The chain verifies.
        expect(await audit.verify()).toMatchObject({ ok: true });
        // 3. A pending approval is still pending; an acknowledged answer stands.
        const approvals = Approvals.open({ store, audit, config: {} });
        for (const id of pending) {
          const state = approvals.get(id)?.state;
          if (answered.has(id)) expect(state).toBe(answered.get(id));
          else if (!tried.has(id)) expect(state).toBe("pending");
          else expect(["pending", "approved", "denied"]).toContain(state);
        }
        approvals.close();
        // 4a. Every side effect happened after a durable start record, and at most once.
        const effects = existsSync(side) ? readFileSync(side, "utf8").split("\n").filter(Boolean) : [];
        expect(new Set(effects).size).toBe(effects.length);
        const journal = ExecutionJournal.open(store, audit);
        expect(effects.filter((id) => journal.get(id) === undefined)).toEqual([]);
        stillRunningAtKill = journal.list({ state: "started" }).length;
      } finally {
        store.close();
      }
    }

    // 4b. After a last start-up sweep nothing is left "running", and what was cut off is interrupted, not re-run.
    const store = SqliteStore.open(db);
    try {
      const audit = AuditLog.open(store);
      const journal = ExecutionJournal.open(store, audit);
      interruptedTotal += journal.recoverInterrupted().length;
      expect(journal.list({ state: "started" })).toEqual([]);
      expect(journal.list({ state: "interrupted" })).toHaveLength(interruptedTotal);
      expect(interruptedTotal).toBeGreaterThan(0);
      expect(await audit.verify()).toMatchObject({ ok: true });
      expect(ackedEvents.size).toBeGreaterThan(KILLS);
    } finally {
      store.close();
    }
  });
});
