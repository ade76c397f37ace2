// A listed MCP tool as an agent Tool: the server's JSON Schema goes to the model, the zod validator built from it
// checks the arguments before policy sees them, the Action is {tool: "mcp.<server>.<tool>", args, secrets, readOnly?}
// and the result is untrusted. `readOnly: true` is the server's own mark from the listing (never the model's): the
// policy engine lets only a rule naming a tool exactly allow a tool without it. The Action names the secrets the server uses (its env handles, or the handles in its request
// headers): an allow rule must list them, as for any action that uses a secret.
import type { Tool } from "../agent/index.js";
import { isStdio } from "./config.js";
import type { McpConnection } from "./connection.js";
import type { ListedTool } from "./listing.js";

const HANDLE = /secret:([A-Z][A-Z0-9_]{0,63})(?![A-Z0-9_])/g;

export function agentTool(connection: McpConnection, listed: ListedTool): Tool<unknown> {
  const c = connection.config;
  // Handles in a stdio server's env, or in an HTTP server's headers (injected on every request of every call).
  const values = isStdio(c) ? Object.values(c.env ?? {}) : Object.values(c.headers ?? {});
  const secrets = values.flatMap((v) => [...v.matchAll(HANDLE)].map((m) => m[1] as string));
  const description = c.description ? `${listed.description} (${c.description})` : listed.description;
  return {
    name: listed.name,
    description,
    schema: listed.validator,
    parameters: listed.parameters,
    // A server's tool can do anything the server can: always journaled.
    sideEffect: true,
    action: (args) => ({
      tool: listed.name,
      args: args as Record<string, unknown>,
      ...(listed.readOnly ? { readOnly: true } : {}),
      ...(secrets.length > 0 ? { secrets: [...new Set(secrets)].sort() } : {}),
    }),
    run: (args, ctx) => connection.call(listed, args as Record<string, unknown>, ctx.signal),
  };
}
