// The sandboxed command of a stdio server: its argv, the profile's limits (but a long lifetime and a large output
// budget: a server is a long-lived process, not one command), the profile's paths and env plus the server's own, its
// `secret:NAME` env values resolved by the host for this server only, and the network it was granted. Never starts
// anything; a missing profile, secret or proxy is a reason, not an exception.
import { type CommandSpec, profileLimits, resolveProfile, type SandboxConfig } from "../sandbox/index.js";
import type { StdioServerConfig } from "./config.js";

/** A server lives at most this long in one sandbox run, then it is started again at its next use. */
export const SERVER_LIFETIME_MS = 86_400_000;
/** Output a server may write in one run (the sandbox keeps it in memory); past it the server is restarted. */
export const SERVER_OUTPUT_BYTES = 16 * 1024 * 1024;

export interface CommandDeps {
  sandboxConfig: SandboxConfig;
  secret(name: string): Promise<string | undefined>;
  proxy?: () => { socketPath: string; token?: string } | undefined;
}

export type StdioCommand = Omit<CommandSpec, "stdin" | "onStdout" | "onStderr" | "signal">;

export async function stdioCommand(
  c: StdioServerConfig,
  workspace: string,
  deps: CommandDeps,
): Promise<{ ok: true; command: StdioCommand } | { ok: false; reason: string }> {
  const profile = resolveProfile(deps.sandboxConfig, c.profile);
  if (!profile) return { ok: false, reason: `sandbox profile ${c.profile} is not defined in sandbox.profiles` };
  const env: Record<string, string> = { ...profile.env };
  for (const [k, v] of Object.entries(c.env ?? {})) {
    if (!v.startsWith("secret:")) {
      env[k] = v;
      continue;
    }
    const name = v.slice("secret:".length);
    const value = await deps.secret(name);
    if (value === undefined) return { ok: false, reason: `no secret named ${name} (warden secrets set ${name})` };
    env[k] = value;
  }
  let net: StdioCommand["net"] = { mode: "none" };
  if (c.net === "proxy") {
    const p = deps.proxy?.();
    if (!p) return { ok: false, reason: "net: proxy, but the daemon runs no egress proxy" };
    net = { mode: "proxy", ...p };
  }
  return {
    ok: true,
    command: {
      argv: c.command,
      workspace,
      env,
      paths: [...profile.paths, ...(c.paths ?? [])],
      net,
      limits: { ...profileLimits(profile), timeoutMs: SERVER_LIFETIME_MS, outputBytes: SERVER_OUTPUT_BYTES },
    },
  };
}
