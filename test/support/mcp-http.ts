// The test MCP server (test/support/mcp-server.mjs) over streamable HTTP on 127.0.0.1, stateless (a server and a
// transport per request, as the SDK documents for simple servers). Records each request's method and
// Authorization header. For tests only.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { buildTestServer } from "./mcp-server.mjs";

export interface McpHttpServer extends AsyncDisposable {
  readonly port: number;
  readonly seen: { method: string; auth: string | undefined }[];
}

export async function startMcpHttpServer(): Promise<McpHttpServer> {
  const seen: { method: string; auth: string | undefined }[] = [];
  const server = createServer(async (req, res) => {
    seen.push({ method: req.method ?? "", auth: req.headers.authorization });
    if (req.method !== "POST") return void res.writeHead(405).end();
    const body = JSON.parse(await text(req));
    const mcp = buildTestServer({ LEAK: "unset" });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function text(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts).toString("utf8");
}
