// bench/mcp: what running an MCP server Warden's way costs, against the SDK's own stdio client in the same run.
// - start: spawn -> handshake -> tools listed. Warden: the server in bubblewrap through SandboxTransport, plus the
//   listing checks (names, schemas, validators). Baseline: the SDK's StdioClientTransport spawning the same server
//   bare, then listTools.
// - call: one tools/call of `echo` on a running server, p50/p99. Warden: McpConnection.call (fingerprint check,
//   result shaping and capping) over the sandboxed process. Baseline: client.callTool over the bare process.
// - daemonReady: `warden start --foreground` until the API answers, with no MCP server and with one `start: daemon`
//   server configured (the daemon must not wait for it: the 300 ms start-up budget).
// Rounds are interleaved so load on the shared machine hits both sides alike. Prints one JSON object.
// Needs `npm run build` first. Usage: node bench/mcp/run.mjs [calls] [starts]
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { McpConnection, mcpConfigSchema, mcpServerSchema } from "../../dist/mcp/index.js";
import { BwrapSandbox, DEFAULT_PROFILE, profileLimits, sandboxConfigSchema } from "../../dist/sandbox/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixture = join(root, "test/support/mcp-server.mjs");
const CALLS = Number(process.argv[2] ?? 400);
const STARTS = Number(process.argv[3] ?? 8);

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const stats = (xs) => ({ n: xs.length, p50Ms: +pct(xs, 50).toFixed(3), p99Ms: +pct(xs, 99).toFixed(3) });

const dir = mkdtempSync(join(tmpdir(), "warden-bench-mcp-"));
chmodSync(dir, 0o711);
const isRoot = process.getuid?.() === 0;
const sandbox = new BwrapSandbox({
  bwrapPath: "/usr/bin/bwrap",
  ...(isRoot ? { runAs: { uid: 65534, gid: 65534 } } : {}),
  forbiddenPaths: [],
  defaultLimits: profileLimits(DEFAULT_PROFILE),
});
const { servers: _none, ...limits } = mcpConfigSchema.parse({});
const quiet = { info() {}, warn() {} };

function wardenConnection() {
  const server = mcpServerSchema.parse({
    command: ["node", fixture, "normal"],
    paths: [{ path: join(root, "test/support") }, { path: join(root, "node_modules") }],
  });
  return new McpConnection("bench", server, {
    sandbox,
    sandboxConfig: sandboxConfigSchema.parse({}),
    limits,
    secret: async () => undefined,
    scratchParent: dir,
    ...(isRoot ? { owner: { uid: 65534, gid: 65534 } } : {}),
    redact: (t) => t,
    log: quiet,
  });
}

async function bareClient() {
  const client = new Client({ name: "bench", version: "1" });
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args: [fixture, "normal"], stderr: "ignore" }),
  );
  await client.listTools();
  return client;
}

// start
const startWarden = [];
const startBare = [];
for (let i = 0; i < STARTS; i++) {
  let t = performance.now();
  const c = wardenConnection();
  const ready = await c.ensure();
  if (!ready.ok) throw new Error(ready.reason);
  startWarden.push(performance.now() - t);
  await c.stop();
  t = performance.now();
  const b = await bareClient();
  startBare.push(performance.now() - t);
  await b.close();
}

// call
const warden = wardenConnection();
const ready = await warden.ensure();
if (!ready.ok) throw new Error(ready.reason);
const echo = warden.tools.find((t) => t.remote === "echo");
const bare = await bareClient();
const signal = new AbortController().signal;
const callWarden = [];
const callBare = [];
for (let i = 0; i < 20; i++) {
  await warden.call(echo, { text: "warm" }, signal);
  await bare.callTool({ name: "echo", arguments: { text: "warm" } });
}
for (let round = 0; round < CALLS / 20; round++) {
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    const out = await warden.call(echo, { text: `n${i}` }, signal);
    callWarden.push(performance.now() - t);
    if (!out.ok) throw new Error(out.error.reason);
  }
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await bare.callTool({ name: "echo", arguments: { text: `n${i}` } });
    callBare.push(performance.now() - t);
  }
}
await warden.stop();
await bare.close();
await sandbox.killAll();

// daemon ready, with and without an MCP server configured
const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
async function daemonReady(withServer) {
  const home = mkdtempSync(join(tmpdir(), "warden-bench-mcp-home-"));
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, WARDEN_HOME: home };
  await new Promise((r) =>
    spawn(process.execPath, [join(root, "bin/warden.js"), "init"], { env, stdio: "ignore" }).on("exit", r),
  );
  const port = await freePort();
  const server = `mcp:\n  servers:\n    bench:\n      command: [node, ${fixture}, normal]\n      start: daemon\n      paths: [{ path: ${join(root, "test/support")} }, { path: ${join(root, "node_modules")} }]\n`;
  writeFileSync(join(home, "warden.yaml"), `gateway:\n  port: ${port}\n${withServer ? server : ""}`);
  const token = readFileSync(join(home, "token"), "utf8").trim();
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(root, "bin/warden.js"), "start", "--foreground"], {
    env,
    stdio: "ignore",
  });
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v1/status`, { headers: { authorization: `Bearer ${token}` } });
      if (res.status < 500) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 1));
  }
  const ms = performance.now() - t0;
  let mcpState;
  if (withServer) {
    for (let i = 0; i < 200 && mcpState !== "ready"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const res = await fetch(`http://127.0.0.1:${port}/v1/mcp`, { headers: { authorization: `Bearer ${token}` } });
      mcpState = (await res.json()).servers[0]?.state;
    }
  }
  child.kill("SIGTERM");
  await new Promise((r) => child.on("exit", r));
  rmSync(home, { recursive: true, force: true });
  return { ms, mcpState };
}
const readyNone = [];
const readyMcp = [];
const states = new Set();
for (let i = 0; i < STARTS; i++) {
  readyNone.push((await daemonReady(false)).ms);
  const r = await daemonReady(true);
  readyMcp.push(r.ms);
  states.add(r.mcpState);
}
rmSync(dir, { recursive: true, force: true });

const start = { warden: stats(startWarden), sdkBare: stats(startBare) };
const call = { warden: stats(callWarden), sdkBare: stats(callBare) };
console.log(
  JSON.stringify(
    {
      start: { ...start, ratioP50: +(start.warden.p50Ms / start.sdkBare.p50Ms).toFixed(2) },
      call: { ...call, ratioP50: +(call.warden.p50Ms / call.sdkBare.p50Ms).toFixed(2) },
      daemonReady: {
        noServer: stats(readyNone),
        oneDaemonServer: stats(readyMcp),
        ratioP50: +(pct(readyMcp, 50) / pct(readyNone, 50)).toFixed(2),
        serverStateAfter: [...states],
      },
    },
    null,
    2,
  ),
);
