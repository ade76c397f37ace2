// `warden mcp list`: the configured MCP servers as the running daemon sees them (state, why a server is down, its
// tools and which are marked read-only, tools it refused). Starts nothing: a lazy server is listed as stopped until a
// task needs it.
import type { Command } from "commander";
import type { ServerStatus } from "../../mcp/index.js";
import { type CliContext, printJson, println } from "../context.js";
import { daemonClient } from "../remote.js";

export function registerMcp(program: Command, ctx: CliContext): void {
  const mcp = program.command("mcp").description("MCP servers whose tools the agent may call (mcp.<server>.<tool>)");
  mcp
    .command("list")
    .description("servers, their state and their tools (read-only ones are marked; the others ask under broad rules)")
    .option("--json", "print as JSON")
    .action(async (opts: { json?: boolean }) => {
      const { servers } = await daemonClient(ctx.homeRoot).request<{ servers: ServerStatus[] }>("GET", "/v1/mcp");
      if (opts.json) return printJson(ctx.stdout, servers);
      if (servers.length === 0)
        return println(ctx.stdout, "No MCP servers (add them under mcp.servers in warden.yaml).");
      for (const s of servers) {
        const why = s.reason ? ` (${s.reason})` : "";
        println(ctx.stdout, `${s.name}  ${s.kind}  ${s.state}${why}`);
        for (const t of s.tools) println(ctx.stdout, `  ${t.name}${t.readOnly ? "  read-only" : ""}`);
        for (const r of s.refused) println(ctx.stdout, `  refused ${r.tool}: ${r.reason}`);
      }
    });
}
