// Test helpers for the MCP domain: a connection to the test server (test/support/mcp-server.mjs) run by node in the
// real bubblewrap sandbox, with a secret in its env, a log kept in memory and a marker in its argv so a test can find
// its own server processes in /proc. For tests only.
import { readdirSync, readFileSync } from "node:fs";
import { mcpServerFixture } from "../../test/support/mcp-fixture.js";
import { ValueRedactor } from "../log/index.js";
import { BwrapSandbox, DEFAULT_PROFILE, profileLimits, sandboxConfigSchema } from "../sandbox/index.js";
import { mcpConfigSchema, mcpServerSchema } from "./config.js";
import { type ConnectionDeps, McpConnection } from "./connection.js";
import { McpManager } from "./manager.js";

const FIXTURE = mcpServerFixture();
export const TEST_SECRET = "mcp-s3cret-4f1e2d3c";

export interface LogLine {
  level: "info" | "warn";
  obj: Record<string, unknown>;
  msg: string;
}

export function memoryLog(lines: LogLine[]): ConnectionDeps["log"] {
  return {
    info: (obj, msg) => lines.push({ level: "info", obj: obj as Record<string, unknown>, msg }),
    warn: (obj, msg) => lines.push({ level: "warn", obj: obj as Record<string, unknown>, msg }),
  };
}

export function testSandbox(): BwrapSandbox {
  const root = process.getuid?.() === 0;
  return new BwrapSandbox({
    bwrapPath: "/usr/bin/bwrap",
    ...(root ? { runAs: { uid: 65534, gid: 65534 } } : {}),
    forbiddenPaths: [],
    defaultLimits: profileLimits(DEFAULT_PROFILE),
  });
}

/** The argv and grants that run the test server in the sandbox; `marker` ends up in its command line. */
export function testServerConfig(mode: string, marker: string, extra: Record<string, unknown> = {}) {
  return {
    command: ["node", FIXTURE.script, mode, marker],
    paths: FIXTURE.paths.map((path) => ({ path })),
    ...extra,
  };
}

function testDeps(dir: string, logs: LogLine[], audited: { type: string; data: Record<string, unknown> }[] = []) {
  const redactor = new ValueRedactor();
  redactor.add("LEAK_TOKEN", TEST_SECRET);
  const root = process.getuid?.() === 0;
  const deps: Omit<ConnectionDeps, "limits"> = {
    sandbox: testSandbox(),
    sandboxConfig: sandboxConfigSchema.parse({}),
    secret: async (name) => (name === "LEAK_TOKEN" ? TEST_SECRET : undefined),
    scratchParent: dir,
    ...(root ? { owner: { uid: 65534, gid: 65534 } } : {}),
    redact: (t) => redactor.redact(t),
    log: memoryLog(logs),
    audit: (type, data) => audited.push({ type, data }),
  };
  return { deps, redactor };
}

export async function testConnection(dir: string, mode: string, limits: Record<string, unknown> = {}) {
  const logs: LogLine[] = [];
  const audited: { type: string; data: Record<string, unknown> }[] = [];
  const { deps, redactor } = testDeps(dir, logs, audited);
  const marker = `marker-${Math.random().toString(36).slice(2)}`;
  const server = mcpServerSchema.parse(testServerConfig(mode, marker, { env: { LEAK: "secret:LEAK_TOKEN" } }));
  const { servers: _none, ...config } = mcpConfigSchema.parse(limits);
  const connection = new McpConnection("test", server, { ...deps, limits: config });
  return { connection, sandbox: deps.sandbox, logs, audited, marker, secret: TEST_SECRET, redactor };
}

/** A manager over the test server in `mode` as server "test" (with the LEAK secret), plus any `mcp:` settings. */
export function testManager(dir: string, mode: string, settings: Record<string, unknown> = {}) {
  const logs: LogLine[] = [];
  const { deps, redactor } = testDeps(dir, logs);
  const marker = `marker-${Math.random().toString(36).slice(2)}`;
  const config = mcpConfigSchema.parse({
    ...settings,
    servers: { test: testServerConfig(mode, marker, { env: { LEAK: "secret:LEAK_TOKEN" } }) },
  });
  return { manager: new McpManager(config, deps), sandbox: deps.sandbox, logs, marker, redactor };
}

/** Pids of live processes whose command line holds `marker` (the test server, bwrap, the sandbox's init). */
export function serverProcesses(marker: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, "utf8");
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      if (cmd.includes(marker) && !/\) Z /.test(stat)) out.push(Number(e));
    } catch {
      // gone between readdir and read
    }
  }
  return out;
}
