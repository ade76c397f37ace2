// Types for test/support/mcp-server.mjs (plain JavaScript so the sandbox can run it with node as it is).
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";

export declare function buildTestServer(env?: Record<string, string | undefined>): McpServer;
