// The daemon's life cycle through the real CLI: init, start, status, a second start, stop, and the bad cases of
// issue 2 (malformed config, unsafe home, busy port, stale pid file, SIGTERM during start-up, missing token).
import { spawn } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { processAlive } from "../../src/daemon/index.js";
import { assertBuilt, runWarden, WARDEN_BIN } from "../support/cli.js";
import { tempDir } from "../support/tmp.js";

beforeAll(assertBuilt);

async function initHome(dir: string, config = "gateway:\n  port: 0\n"): Promise<string> {
  const home = join(dir, "home");
  const init = await runWarden(["init"], home);
  expect(init.code).toBe(0);
  writeFileSync(join(home, "warden.yaml"), config);
  return home;
}

describe("warden start / status / stop", () => {
  it("runs one daemon per home and stops it gracefully", async () => {
    await using dir = await tempDir();
    const home = await initHome(dir.path);

    const start = await runWarden(["start"], home);
    expect(start.stderr).toBe("");
    expect(start.code).toBe(0);
    expect(start.stdout).toMatch(/Warden started \(pid \d+\), control plane on http:\/\/127\.0\.0\.1:\d+/);

    const status = await runWarden(["status", "--json"], home);
    expect(status.code).toBe(0);
    const body = JSON.parse(status.stdout);
    expect(body).toMatchObject({ running: true, home, daemon: { home, model: { provider: "none" } } });
    const pid = body.daemon.pid as number;

    const second = await runWarden(["start"], home);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`already running for ${home} (pid ${pid})`);
    const foreground = await runWarden(["start", "--foreground"], home);
    expect(foreground.code).toBe(1);
    expect(foreground.stderr).toContain(`(pid ${pid})`);

    const stop = await runWarden(["stop"], home);
    expect(stop.stdout).toContain(`Warden stopped (pid ${pid})`);
    const after = await runWarden(["status", "--json"], home);
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout)).toMatchObject({ running: false });
    expect((await runWarden(["stop"], home)).stdout).toContain("not running");

    // The run was recorded as clean: the next start does not warn about it.
    expect((await runWarden(["start"], home)).code).toBe(0);
    const again = JSON.parse((await runWarden(["status", "--json"], home)).stdout);
    expect(again.daemon.previousRun).toMatchObject({ pid, clean: true });
  });

  it("refuses a malformed config with file, line and field, and changes nothing", async () => {
    await using dir = await tempDir();
    const bad = "gateway:\n  port: 0\n  hots: 127.0.0.1\n";
    const home = await initHome(dir.path, bad);
    for (const args of [["start"], ["start", "--foreground"]]) {
      const run = await runWarden(args, home);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${join(home, "warden.yaml")}:3:3: gateway.hots: unknown key "hots"`);
    }
    expect(readFileSync(join(home, "warden.yaml"), "utf8")).toBe(bad);
    expect((await runWarden(["status"], home)).code).toBe(1);
  });

  it("refuses a home that others can read, with the chmod that fixes it", async () => {
    await using dir = await tempDir();
    const home = await initHome(dir.path);
    chmodSync(home, 0o755);
    const run = await runWarden(["start"], home);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`fix: chmod 700 ${home}`);
  });

  it("reports a busy port and how to find who holds it", async () => {
    await using dir = await tempDir();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const home = await initHome(dir.path, `gateway:\n  port: ${port}\n`);
      const run = await runWarden(["start"], home);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(run.stderr).toContain("fix: stop whatever listens there");
      expect((await runWarden(["status"], home)).code).toBe(1);
    } finally {
      blocker.close();
    }
  });

  it("replaces a stale pid file left by a crashed daemon", async () => {
    await using dir = await tempDir();
    const home = await initHome(dir.path);
    writeFileSync(join(home, "run", "warden.pid"), JSON.stringify({ pid: 999999, url: "http://127.0.0.1:1" }));
    expect((await runWarden(["status"], home)).code).toBe(1);
    const start = await runWarden(["start"], home);
    expect(start.code).toBe(0);
    const pid = JSON.parse(readFileSync(join(home, "run", "warden.pid"), "utf8")).pid;
    expect(pid).not.toBe(999999);
  });

  it("survives SIGKILL: the lock is released and the next start reports the unclean stop", async () => {
    await using dir = await tempDir();
    const home = await initHome(dir.path);
    expect((await runWarden(["start"], home)).code).toBe(0);
    const first = JSON.parse((await runWarden(["status", "--json"], home)).stdout).daemon.pid as number;
    process.kill(first, "SIGKILL");
    await expect.poll(() => processAlive(first), { timeout: 10_000 }).toBe(false);
    expect((await runWarden(["start"], home)).code).toBe(0);
    const status = JSON.parse((await runWarden(["status", "--json"], home)).stdout);
    expect(status.daemon.previousRun).toMatchObject({ pid: first, clean: false });
  });

  it("stops cleanly on SIGTERM during start-up, leaving the home usable", async () => {
    await using dir = await tempDir();
    const home = await initHome(dir.path);
    const child = spawn(process.execPath, [WARDEN_BIN, "start", "--foreground"], {
      env: { PATH: process.env.PATH, WARDEN_HOME: home },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    // Any moment of start-up will do: as soon as the process exists, ask it to stop.
    await new Promise((r) => child.once("spawn", r));
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => child.on("close", (c) => r(c)));
    expect([0, 1, null]).toContain(code);
    if (code === 1) expect(stderr).toMatch(/interrupted|warden:/);
    expect((await runWarden(["start"], home)).code).toBe(0);
    expect((await runWarden(["status"], home)).code).toBe(0);
  });

  it("answers 401 to a request without the token and logs it", async () => {
    await using dir = await tempDir();
    const home = await initHome(dir.path);
    expect((await runWarden(["start"], home)).code).toBe(0);
    const { url } = JSON.parse(readFileSync(join(home, "run", "warden.pid"), "utf8"));
    const res = await fetch(`${url}/v1/status`);
    expect(res.status).toBe(401);
    const wrong = await fetch(`${url}/v1/status`, { headers: { authorization: "Bearer wrong" } });
    expect(wrong.status).toBe(401);
    const lines = readFileSync(join(home, "logs", "daemon.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const refused = lines.filter((l) => l.msg === "control plane request refused").map((l) => l.auth.reason);
    expect(refused).toEqual(["missing token", "wrong token"]);
  });
});
