// MCP servers over stdio in the real bubblewrap sandbox: a real SDK server (test/support/mcp-server.mjs) run by node
// inside bwrap. Tools listed and called, a secret in the server's env hidden from the log, and the failures: a crash
// mid-call, garbage on stdout, a hung handshake, a server that exits at start, a hung call. After each, no process of
// the server is left. Skipped where bwrap cannot run.
import { chmod } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { serverProcesses, testConnection } from "./harness.fake.js";

let usable = false;
const sandboxes: { killAll(): Promise<void> }[] = [];

beforeAll(async () => {
  const probe = await testConnection("/tmp", "normal");
  usable = (await probe.sandbox.probe()).ok;
  await probe.sandbox.killAll();
});
afterAll(async () => {
  for (const s of sandboxes) await s.killAll();
});

async function setup(t: { skip(): void }, mode: string, limits = {}) {
  if (!usable) t.skip();
  const dir = await tempDir();
  await chmod(dir.path, 0o711); // the sandbox uid must reach the scratch workspace inside
  const h = await testConnection(dir.path, mode, limits);
  sandboxes.push(h.sandbox);
  return {
    ...h,
    async [Symbol.asyncDispose]() {
      await h.connection.stop();
      await dir[Symbol.asyncDispose]();
    },
  };
}

describe("MCP over stdio in bubblewrap", () => {
  it("lists the tools with safe names and read-only flags, calls one, and hides the secret in the log", async (t) => {
    await using h = await setup(t, "normal");
    const ready = await h.connection.ensure();
    expect(ready.ok).toBe(true);
    const names = h.connection.tools.map((x) => [x.name, x.readOnly]);
    expect(names).toEqual(
      expect.arrayContaining([
        ["mcp.test.echo", true],
        ["mcp.test.wipe", false],
        ["mcp.test.rename", false],
      ]),
    );
    const echo = h.connection.tools.find((x) => x.name === "mcp.test.echo")!;
    expect(echo.parameters).toMatchObject({ type: "object", properties: { text: { type: "string" } } });
    expect(echo.validator.safeParse({ text: 5 }).success).toBe(false);
    const out = await h.connection.call(echo, { text: "hello" }, new AbortController().signal);
    expect(out).toMatchObject({
      ok: true,
      untrusted: true,
      value: { server: "test", tool: "echo", text: "echo: hello" },
    });
    // The server got the secret in its env and printed it on stderr: the log line has it redacted.
    const stderr = h.logs.filter((l) => l.msg === "MCP server stderr").map((l) => String(l.obj.stderr));
    expect(stderr.some((l) => l.includes("test server up, LEAK="))).toBe(true);
    expect(JSON.stringify(h.logs)).not.toContain(h.secret);
    expect(h.connection.status().state).toBe("ready");
  });

  it("cuts a big result at the cap with a marker", async (t) => {
    await using h = await setup(t, "normal", { maxResultBytes: 4096 });
    await h.connection.ensure();
    const big = h.connection.tools.find((x) => x.remote === "big")!;
    const out = await h.connection.call(big, {}, new AbortController().signal);
    if (!out.ok) throw new Error(out.error.reason);
    const text = String(out.value.text);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096);
    expect(text).toContain("[warden: result cut at 4096 bytes]");
    expect(out.value.truncated).toBe(true);
  });

  it("a crash mid-call is a clear failure, leaves no process, and the server starts again at its next use", async (t) => {
    await using h = await setup(t, "normal", { restartBackoffMs: 0 });
    await h.connection.ensure();
    const crash = h.connection.tools.find((x) => x.remote === "crash")!;
    const out = await h.connection.call(crash, {}, new AbortController().signal);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error.code).toBe("MCP_CALL_FAILED");
    expect(out.error.reason).toContain("exited with code 3");
    expect(out.error.reason).toContain("about to crash");
    expect(h.connection.status()).toMatchObject({ state: "failed", crashes: 1 });
    expect(h.audited.map((e) => e.type)).toEqual(["mcp.server.ready", "mcp.server.failed"]);
    expect(h.audited[1]?.data).toMatchObject({ server: "test", crashes: 1, reason: expect.stringContaining("code 3") });
    expect(serverProcesses(h.marker)).toEqual([]);
    const echo = h.connection.tools.find((x) => x.remote === "echo")!;
    const again = await h.connection.call(echo, { text: "back" }, new AbortController().signal);
    expect(again).toMatchObject({ ok: true, value: { text: "echo: back" } });
  });

  it("backs off before starting a crashed server again", async (t) => {
    await using h = await setup(t, "normal", { restartBackoffMs: 60_000 });
    await h.connection.ensure();
    const crash = h.connection.tools.find((x) => x.remote === "crash")!;
    await h.connection.call(crash, {}, new AbortController().signal);
    const echo = h.connection.tools.find((x) => x.remote === "echo")!;
    const out = await h.connection.call(echo, { text: "x" }, new AbortController().signal);
    expect(out).toMatchObject({ ok: false, error: { code: "MCP_SERVER_DOWN" } });
    if (!out.ok) expect(out.error.reason).toMatch(/next start in \d+ s/);
    expect(serverProcesses(h.marker)).toEqual([]);
  });

  it("garbage on stdout kills the server with a protocol error", async (t) => {
    await using h = await setup(t, "garbage");
    const ready = await h.connection.ensure();
    expect(ready).toMatchObject({ ok: false });
    if (!ready.ok) expect(ready.reason).toContain("broke the protocol on stdout (not JSON)");
    expect(serverProcesses(h.marker)).toEqual([]);
  });

  it("a handshake that never comes times out and the server is killed", async (t) => {
    await using h = await setup(t, "hang-init", { startTimeoutMs: 1500 });
    const ready = await h.connection.ensure();
    expect(ready).toMatchObject({ ok: false });
    if (!ready.ok) expect(ready.reason).toMatch(/timed out/i);
    expect(serverProcesses(h.marker)).toEqual([]);
  });

  it("a server that exits at start reports its exit code and stderr", async (t) => {
    await using h = await setup(t, "exit-at-start");
    const ready = await h.connection.ensure();
    expect(ready).toMatchObject({ ok: false });
    if (!ready.ok) {
      expect(ready.reason).toContain("exited with code 7");
      expect(ready.reason).toContain("cannot start: no configuration");
    }
    expect(h.connection.status().state).toBe("failed");
  });

  it("a call that never answers times out; the server stays up for the next call", async (t) => {
    await using h = await setup(t, "normal", { callTimeoutMs: 1000 });
    await h.connection.ensure();
    const sleep = h.connection.tools.find((x) => x.remote === "sleep")!;
    const out = await h.connection.call(sleep, {}, new AbortController().signal);
    expect(out).toMatchObject({ ok: false, error: { code: "MCP_CALL_FAILED" } });
    if (!out.ok) expect(out.error.reason).toMatch(/timed out/i);
    const echo = h.connection.tools.find((x) => x.remote === "echo")!;
    expect(await h.connection.call(echo, { text: "still" }, new AbortController().signal)).toMatchObject({ ok: true });
  });

  it("stop kills the server: no process is left", async (t) => {
    await using h = await setup(t, "normal");
    await h.connection.ensure();
    expect(serverProcesses(h.marker).length).toBeGreaterThan(0);
    await h.connection.stop();
    expect(serverProcesses(h.marker)).toEqual([]);
    expect(h.connection.status().state).toBe("stopped");
    expect(h.audited.at(-1)).toEqual({
      type: "mcp.server.stopped",
      data: { server: "test", reason: "Warden is stopping" },
    });
  });
});
