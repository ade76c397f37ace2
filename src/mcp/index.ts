// Public API of the MCP domain: configured MCP servers (stdio in the sandbox, streamable HTTP through egress) whose
// tools become agent tools `mcp.<server>.<tool>` (their Actions carry the server's read-only mark, which the policy
// engine uses: a tool not marked read-only is allowed only by a rule naming it exactly).

export { SERVER_LIFETIME_MS, SERVER_OUTPUT_BYTES } from "./command.js";
export {
  type HttpServerConfig,
  isStdio,
  type McpConfig,
  type McpServerConfig,
  mcpConfigSchema,
  mcpServerSchema,
  type StdioServerConfig,
} from "./config.js";
export { type ConnectionDeps, McpConnection, type McpLog, type ServerState, type ServerStatus } from "./connection.js";
export { egressFetch } from "./http.js";
export { type ListedTool, listTools, toolPart } from "./listing.js";
export { McpManager } from "./manager.js";
export { callValue } from "./result.js";
export { SandboxTransport } from "./stdio.js";
export { agentTool } from "./tools.js";
