// A listed MCP tool as an agent Tool: the server's JSON Schema goes to the model, the zod validator built from it
// checks the arguments before policy sees them, the Action is {tool: "mcp.<server>.<tool>", args, secrets} and the
// result is untrusted. The Action names the secrets the server was started with: an allow rule must list them, as
// for any action that uses a secret.
import type { ProposedAction, Tool } from "../agent/index.js";
import { isStdio } from "./config.js";
import type { McpConnection } from "./connection.js";
import type { ListedTool } from "./listing.js";

export function agentTool(connection: McpConnection, listed: ListedTool): Tool<unknown> {
  const c = connection.config;
  const secrets = isStdio(c)
    ? Object.values(c.env ?? {})
        .filter((v) => v.startsWith("secret:"))
        .map((v) => v.slice("secret:".length))
    : [];
  const description = c.description ? `${listed.description} (${c.description})` : listed.description;
  return {
    name: listed.name,
    description,
    schema: listed.validator,
    parameters: listed.parameters,
    // A server's tool can do anything the server can: always journaled.
    sideEffect: true,
    action: (args) =>
      // `secrets` is an Action field the ProposedAction type does not list yet; the loop passes it through.
      ({
        tool: listed.name,
        args: args as Record<string, unknown>,
        ...(secrets.length > 0 ? { secrets: [...new Set(secrets)].sort() } : {}),
      }) as ProposedAction,
    run: (args, ctx) => connection.call(listed, args as Record<string, unknown>, ctx.signal),
  };
}
