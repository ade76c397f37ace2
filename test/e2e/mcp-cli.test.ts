// MCP through the real daemon: a stdio MCP server (the SDK server in test/support/mcp-server.mjs) configured in
// warden.yaml and run in bubblewrap, a scripted model (fake OpenAI-compatible server) that calls mcp.test.echo under
// an exact allow rule and mcp.test.wipe under a broad one (it asks), `warden mcp list`, and halt/stop leaving no
// server process behind.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, homeWithFakeModel, runWarden } from "../support/cli.js";
import { type FakeReply, startFakeOpenAI } from "../support/fake-openai.js";
import { mcpServerFixture } from "../support/mcp-fixture.js";
import { startMcpHttpServer } from "../support/mcp-http.js";
import { tempDir } from "../support/tmp.js";

beforeAll(assertBuilt);

const fixture = mcpServerFixture();
const call = (name: string, args: unknown): FakeReply => ({ toolCalls: [{ name, arguments: JSON.stringify(args) }] });

function serverProcesses(marker: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, "utf8").includes(marker)) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

describe("MCP servers in the daemon", () => {
  it("a task calls an MCP tool in the sandbox; a destructive one asks; halt and stop leave no server", async () => {
    await using dir = await tempDir();
    await using fake = await startFakeOpenAI({
      script: [
        call("mcp.test.echo", { text: "from the model" }),
        { content: "The server echoed." },
        call("mcp.test.wipe", { target: "all" }),
        { content: "not reached" },
      ],
    });
    const marker = `e2e-marker-${process.pid}-${Date.now()}`;
    const { home } = await homeWithFakeModel(dir.path, fake.baseUrl, {
      config: `mcp:
  servers:
    test:
      command: [node, ${fixture.script}, normal, ${marker}]
      paths: [${fixture.paths.map((p) => `{ path: ${p} }`).join(", ")}]
`,
    });
    writeFileSync(
      join(home, "policy", "10-mcp.yaml"),
      `rules:
  - { id: echo, effect: allow, reason: echo is harmless, match: { tool: mcp.test.echo } }
  - { id: test-server, effect: allow, reason: the test server, match: { tool: "mcp.test.*" } }
`,
    );
    expect((await runWarden(["start"], home)).code).toBe(0);
    const before = JSON.parse((await runWarden(["mcp", "list", "--json"], home)).stdout);
    expect(before).toMatchObject([{ name: "test", kind: "stdio", state: "stopped", tools: [] }]);

    const ask = await runWarden(["ask", "echo something", "--json"], home, { timeoutMs: 60_000 });
    expect(ask.stderr).toBe("");
    expect(JSON.parse(ask.stdout)).toMatchObject({ state: "done", text: "The server echoed." });
    const bodies = fake.chatBodies() as { tools?: { function: { name: string } }[] }[];
    expect(bodies[0]?.tools?.map((t) => t.function.name)).toContain("mcp.test.echo");
    expect(JSON.stringify(bodies[1])).toContain("echo: from the model");

    const listed = JSON.parse((await runWarden(["mcp", "list", "--json"], home)).stdout);
    expect(listed[0]).toMatchObject({ state: "ready" });
    expect(listed[0].tools).toEqual(
      expect.arrayContaining([
        { name: "mcp.test.echo", readOnly: true },
        { name: "mcp.test.wipe", readOnly: false },
      ]),
    );
    expect(serverProcesses(marker).length).toBeGreaterThan(0);

    const wipe = await runWarden(["ask", "wipe it", "--json"], home, { timeoutMs: 60_000 });
    expect(wipe.code).toBe(4);
    expect(JSON.parse(wipe.stdout)).toMatchObject({ state: "waiting_approval", approval: expect.any(String) });

    expect((await runWarden(["halt"], home)).code).toBe(0);
    expect(serverProcesses(marker)).toEqual([]);
    const halted = JSON.parse((await runWarden(["mcp", "list", "--json"], home)).stdout);
    expect(halted[0]).toMatchObject({ state: "stopped", reason: "halted by the owner" });
    expect((await runWarden(["stop"], home)).code).toBe(0);
    expect(serverProcesses(marker)).toEqual([]);
  });

  it("an HTTP server is reached through egress: refused until a policy rule allows its host, then its tools work", async () => {
    await using dir = await tempDir();
    await using server = await startMcpHttpServer();
    await using fake = await startFakeOpenAI({
      script: [
        { content: "nothing to call yet" },
        call("mcp.remote.echo", { text: "over http" }),
        { content: "The remote server echoed." },
      ],
    });
    const { home } = await homeWithFakeModel(dir.path, fake.baseUrl, {
      config: `egress:
  allowAddresses: [127.0.0.1]
mcp:
  restartBackoffMs: 0
  servers:
    remote:
      url: http://127.0.0.1:${server.port}/mcp
`,
    });
    const rules = (egress: boolean) =>
      `rules:
  - { id: echo, effect: allow, reason: echo is harmless, match: { tool: mcp.remote.echo } }
${egress ? `  - { id: mcp-endpoint, effect: allow, reason: the MCP server, match: { tool: egress, host: 127.0.0.1, port: ${server.port} } }\n` : ""}`;
    writeFileSync(join(home, "policy", "10-mcp.yaml"), rules(false));
    expect((await runWarden(["start"], home)).code).toBe(0);

    const first = await runWarden(["ask", "anything?", "--json"], home, { timeoutMs: 60_000 });
    expect(JSON.parse(first.stdout)).toMatchObject({ state: "done" });
    const refused = JSON.parse((await runWarden(["mcp", "list", "--json"], home)).stdout);
    expect(refused[0]).toMatchObject({ name: "remote", kind: "http", state: "failed" });
    expect(refused[0].reason).toContain("EGRESS_DENIED");
    expect(server.seen).toEqual([]);

    writeFileSync(join(home, "policy", "10-mcp.yaml"), rules(true));
    await new Promise((r) => setTimeout(r, 1500)); // the daemon reloads policy within ~100 ms
    const second = await runWarden(["ask", "echo over http", "--json"], home, { timeoutMs: 60_000 });
    expect(JSON.parse(second.stdout)).toMatchObject({ state: "done", text: "The remote server echoed." });
    expect(JSON.stringify(fake.chatBodies().at(-1))).toContain("echo: over http");
    expect(server.seen.length).toBeGreaterThanOrEqual(3);
    expect(server.seen.every((s) => s.method === "POST")).toBe(true);
    const audit = (await runWarden(["audit", "export"], home)).stdout;
    expect(audit).toContain('"type":"mcp.server.ready"');
    expect(audit).toContain('"via":"mcp"');
    expect((await runWarden(["stop"], home)).code).toBe(0);
  });
});
