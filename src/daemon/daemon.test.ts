import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { parseConfig } from "../config/index.js";
import { GatewayClient } from "../gateway/index.js";
import { homePaths, initHome, readToken } from "../home/index.js";
import { createLogger } from "../log/index.js";
import { STARTER_POLICY } from "../policy/index.js";
import { SecretRedactor } from "../secrets/index.js";
import { SqliteStore } from "../store/index.js";
import { type DaemonOptions, startDaemon } from "./daemon.js";
import { lockHeld, readPidFile } from "./lock.js";

function options(root: string, signal: AbortSignal, config = "gateway:\n  port: 0\n"): DaemonOptions {
  const paths = homePaths(root);
  initHome(paths, { config, starterPolicy: STARTER_POLICY });
  const redactor = new SecretRedactor();
  return {
    paths,
    config: parseConfig(config, paths.config),
    log: createLogger({ level: "silent", redactor }),
    redactor,
    onCredential: () => {},
    hostEnv: {},
    version: "test",
    uid: process.getuid!(),
    signal,
  };
}

describe("startDaemon", () => {
  it("serves status with policy, approvals and audit facts, then stops and releases everything", async () => {
    await using dir = await tempDir();
    const opts = options(join(dir.path, "home"), new AbortController().signal);
    const daemon = await startDaemon(opts);
    expect(lockHeld(opts.paths)).toBe(true);
    expect(readPidFile(opts.paths)).toMatchObject({ pid: process.pid, url: daemon.url });
    const client = new GatewayClient(daemon.url, readToken(opts.paths));
    const status = await client.request<Record<string, unknown>>("GET", "/v1/status");
    expect(status).toMatchObject({ version: "test", approvals: { pending: 0 }, policy: { rules: expect.any(Number) } });
    expect((status.audit as { lastSeq: number }).lastSeq).toBeGreaterThan(0);

    await daemon.stop("test");
    await daemon.stopped;
    expect(lockHeld(opts.paths)).toBe(false);
    expect(existsSync(opts.paths.pidFile)).toBe(false);
    await expect(client.request("GET", "/v1/status")).rejects.toMatchObject({ code: "NOT_RUNNING" });
  });

  it("an abort before start-up finishes undoes every step and leaves the database usable", async () => {
    await using dir = await tempDir();
    const abort = new AbortController();
    abort.abort("SIGTERM");
    const opts = options(join(dir.path, "home"), abort.signal);
    await expect(startDaemon(opts)).rejects.toMatchObject({ code: "INTERRUPTED" });
    expect(lockHeld(opts.paths)).toBe(false);
    // A normal start afterwards works, and sees no damage.
    const daemon = await startDaemon({ ...opts, signal: new AbortController().signal });
    await daemon.stop("test");
  });

  it("refuses to start on an invalid policy (never an empty one) and releases the lock", async () => {
    await using dir = await tempDir();
    const opts = options(join(dir.path, "home"), new AbortController().signal);
    writeFileSync(join(opts.paths.policyDir, "zz-bad.yaml"), "rules:\n  - id: x\n    effect: sometimes\n");
    await expect(startDaemon(opts)).rejects.toMatchObject({ code: "POLICY_INVALID" });
    expect(lockHeld(opts.paths)).toBe(false);
  });

  it("keeps running on a broken audit chain but records that verification failed", async () => {
    await using dir = await tempDir();
    const opts = options(join(dir.path, "home"), new AbortController().signal);
    const first = await startDaemon(opts);
    await first.stop("test");
    const store = SqliteStore.open(opts.paths.database);
    store.prepare("DROP TRIGGER audit_events_no_update").run();
    store.prepare("UPDATE audit_events SET actor = 'mallory' WHERE seq = 1").run();
    const { seq: before } = store.prepare("SELECT max(seq) AS seq FROM audit_events").get() as { seq: number };
    store.close();
    const second = await startDaemon(opts);
    const client = new GatewayClient(second.url, readToken(opts.paths));
    // Verification runs in the background once the daemon is ready: wait for its record.
    let verified: { type: string; data: { ok?: boolean } } | undefined;
    for (let i = 0; i < 200 && verified === undefined; i++) {
      const { events } = await client.request<{ events: { seq: number; type: string; data: { ok?: boolean } }[] }>(
        "GET",
        "/v1/audit/tail?limit=50",
      );
      verified = events.filter((e) => e.type === "audit.verified" && e.seq > before).at(-1);
      if (verified === undefined) await new Promise((r) => setTimeout(r, 25));
    }
    expect(verified?.data.ok).toBe(false);
    await second.stop("test");
  });
});
