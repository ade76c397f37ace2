// A real MCP server for tests, built with the SDK's server side. Plain JavaScript, so the sandbox can run it with
// node as it is (no TypeScript loader inside bubblewrap). `buildTestServer()` is shared with the HTTP fixture; run as
// a program it serves stdio. Its misbehaviours are chosen by the first argument:
//   normal        the tools below
//   garbage       writes a line that is not JSON-RPC before anything else
//   hang-init     never answers the handshake
//   exit-at-start exits with code 7 after writing a line to stderr
// Tools: echo (read-only), wipe (destructive), rename (no annotations), leak (returns the LEAK env value),
// crash (the process exits 3 mid-call), sleep (never answers), big (200 KiB of text), fetch (GET an http:// URL
// through HTTP_PROXY, the way the sandbox offers the egress proxy).
import { request } from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import * as z from "zod";

export function buildTestServer(env = {}) {
  const server = new McpServer({ name: "warden-test", version: "1.0.0" });
  const text = (t) => ({ content: [{ type: "text", text: t }] });
  server.registerTool(
    "echo",
    {
      description: "Echo the text back",
      inputSchema: { text: z.string().max(1000) },
      annotations: { readOnlyHint: true },
    },
    async ({ text: t }) => text(`echo: ${t}`),
  );
  server.registerTool(
    "wipe",
    {
      description: "Delete everything",
      inputSchema: { target: z.string() },
      annotations: { destructiveHint: true },
    },
    async ({ target }) => text(`wiped ${target}`),
  );
  server.registerTool(
    "rename",
    { description: "Rename a thing", inputSchema: { from: z.string(), to: z.string() } },
    async (a) => text(`renamed ${a.from} to ${a.to}`),
  );
  server.registerTool("leak", { description: "Return a value", annotations: { readOnlyHint: true } }, async () =>
    text(`the value is ${env.LEAK ?? "unset"}`),
  );
  server.registerTool("crash", { description: "Crash", annotations: { readOnlyHint: true } }, async () => {
    process.stderr.write("about to crash\n");
    process.exit(3);
  });
  server.registerTool(
    "sleep",
    { description: "Never answer", annotations: { readOnlyHint: true } },
    () => new Promise(() => {}),
  );
  server.registerTool("big", { description: "A big answer", annotations: { readOnlyHint: true } }, async () =>
    text("x".repeat(200 * 1024)),
  );
  server.registerTool(
    "fetch",
    {
      description: "GET a URL through the proxy",
      inputSchema: { url: z.string() },
      annotations: { readOnlyHint: true },
    },
    async ({ url }) => text(await viaProxy(url)),
  );
  return server;
}

/** GET `url` through $HTTP_PROXY (absolute-form request, Basic proxy credentials from the proxy URL). */
function viaProxy(url) {
  const proxy = process.env.HTTP_PROXY;
  if (!proxy) return Promise.resolve("error: no HTTP_PROXY");
  const p = new URL(proxy);
  const auth = p.password
    ? { "proxy-authorization": `Basic ${Buffer.from(`${p.username}:${p.password}`).toString("base64")}` }
    : {};
  return new Promise((resolve) => {
    const req = request(
      { host: p.hostname, port: p.port, method: "GET", path: url, headers: { ...auth, host: new URL(url).host } },
      (res) => {
        let body = "";
        res.on("data", (c) => {
          body += c;
        });
        res.on("end", () => resolve(`status ${res.statusCode}: ${body}`));
      },
    );
    req.on("error", (e) => resolve(`error: ${e.code ?? e.message}`));
    req.end();
  });
}

async function main(mode) {
  if (mode === "exit-at-start") {
    process.stderr.write("cannot start: no configuration\n");
    process.exit(7);
  }
  if (mode === "garbage") process.stdout.write("this is not JSON-RPC\n");
  if (mode === "hang-init") {
    process.stdin.resume(); // reads the handshake, never answers
    return;
  }
  process.stderr.write(`test server up, LEAK=${process.env.LEAK ?? ""}\n`);
  await buildTestServer(process.env).connect(new StdioServerTransport());
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href)
  await main(process.argv[2] ?? "normal");
