// MCP over streamable HTTP through Warden's egress path, against a real SDK server on 127.0.0.1: the handshake, the
// tool list and a call go through the egress checks (policy on the host, the address check, secret injection where
// a binding allows it). A denied host and an internal address that is not allowed both fail with the reason.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type McpHttpServer, startMcpHttpServer } from "../../test/support/mcp-http.js";
import { createHttpRequestTool } from "../egress/index.js";
import { testEgress } from "../egress/setup.fake.js";
import { DEFAULT_PROFILE, profileLimits, sandboxConfigSchema } from "../sandbox/index.js";
import { FakeSandbox } from "../sandbox/sandbox.fake.js";
import { mcpConfigSchema, mcpServerSchema } from "./config.js";
import { McpConnection } from "./connection.js";
import { type LogLine, memoryLog } from "./harness.fake.js";
import { agentTool } from "./tools.js";

const TOKEN = "mcp-http-token-0a9b8c7d6e";
let http: McpHttpServer;
let port: number;
let seen: McpHttpServer["seen"];

beforeAll(async () => {
  http = await startMcpHttpServer();
  port = http.port;
  seen = http.seen;
});
afterAll(() => http[Symbol.asyncDispose]());

function connect(egress: Parameters<typeof testEgress>[0] = {}) {
  const e = testEgress({
    config: { allowAddresses: ["127.0.0.1"] },
    names: { "mcp.test": "127.0.0.1" },
    secrets: { MCP_TOKEN: TOKEN },
    bindings: { http: [{ secret: "MCP_TOKEN", scheme: "http", host: "mcp.test", port, header: "Authorization" }] },
    ...egress,
  });
  const logs: LogLine[] = [];
  const { servers: _none, ...limits } = mcpConfigSchema.parse({ startTimeoutMs: 10_000 });
  const config = mcpServerSchema.parse({
    url: `http://mcp.test:${port}/mcp`,
    headers: { Authorization: "Bearer secret:MCP_TOKEN" },
  });
  const connection = new McpConnection("remote", config, {
    sandbox: new FakeSandbox(profileLimits(DEFAULT_PROFILE)),
    sandboxConfig: sandboxConfigSchema.parse({}),
    limits,
    secret: async () => undefined,
    http: createHttpRequestTool(e.deps),
    scratchParent: "/tmp",
    redact: (t) => e.deps.scanner.redact(t),
    log: memoryLog(logs),
  });
  return { connection, egress: e, logs };
}

describe("MCP over streamable HTTP through egress", () => {
  it("lists and calls tools; each request passes policy and the address check, with the bound secret injected", async () => {
    const { connection, egress } = connect();
    seen.length = 0;
    const ready = await connection.ensure();
    if (!ready.ok) throw new Error(ready.reason);
    const echo = connection.tools.find((t) => t.name === "mcp.remote.echo")!;
    // The Action names the secret its requests carry, so an allow rule has to list it, and the server's read-only mark.
    expect(agentTool(connection, echo).action({ text: "x" }, "/ws")).toEqual({
      tool: "mcp.remote.echo",
      args: { text: "x" },
      readOnly: true,
      secrets: ["MCP_TOKEN"],
    });
    const out = await connection.call(echo, { text: "over http" }, new AbortController().signal);
    expect(out).toMatchObject({ ok: true, untrusted: true, value: { text: "echo: over http" } });
    expect(
      egress.queries.every((q) => q.host === "mcp.test" && q.port === port && q.secrets.includes("MCP_TOKEN")),
    ).toBe(true);
    expect(egress.events.filter((e) => e.type === "egress.allowed").length).toBeGreaterThanOrEqual(3);
    // The server got the real token; Warden never opened the standalone GET stream.
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.every((s) => s.method === "POST" && s.auth === `Bearer ${TOKEN}`)).toBe(true);
    await connection.stop();
  });

  it("a host the policy denies: the server does not start, and says why", async () => {
    const { connection } = connect({ decide: () => ({ verdict: "deny", reason: "not this host", rule: "no-mcp" }) });
    const ready = await connection.ensure();
    expect(ready.ok).toBe(false);
    if (!ready.ok) expect(ready.reason).toContain("EGRESS_DENIED: denied by policy: not this host");
    expect(connection.status()).toMatchObject({ state: "failed", tools: [] });
    await connection.stop();
  });

  it("an internal address not listed in egress.allowAddresses is refused (SSRF check)", async () => {
    const { connection, egress } = connect({ config: { allowAddresses: [] } });
    seen.length = 0;
    const ready = await connection.ensure();
    expect(ready.ok).toBe(false);
    if (!ready.ok) expect(ready.reason).toMatch(/EGRESS_DENIED/);
    expect(seen).toEqual([]);
    expect(egress.events.some((e) => e.type === "egress.denied")).toBe(true);
    await connection.stop();
  });
});
