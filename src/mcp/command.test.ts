// The sandboxed command of a stdio server: profile limits with a server's lifetime and output budget, profile and
// server env and paths merged, secrets resolved, and clear reasons for a missing profile, secret or proxy.
import { describe, expect, it } from "vitest";
import { sandboxConfigSchema } from "../sandbox/index.js";
import { SERVER_LIFETIME_MS, SERVER_OUTPUT_BYTES, stdioCommand } from "./command.js";
import { mcpServerSchema, type StdioServerConfig } from "./config.js";

const sandboxConfig = sandboxConfigSchema.parse({
  profiles: { small: { memoryBytes: 64 * 1024 * 1024, env: { LANG: "C.UTF-8" }, paths: [{ path: "/opt/tools" }] } },
});
const server = (extra: Record<string, unknown>) =>
  mcpServerSchema.parse({ command: ["srv", "--stdio"], ...extra }) as StdioServerConfig;
const deps = { sandboxConfig, secret: async (n: string) => (n === "TOKEN" ? "t0ken-value" : undefined) };

describe("stdioCommand", () => {
  it("builds the command from the profile and the server's own settings", async () => {
    const r = await stdioCommand(
      server({ profile: "small", env: { A: "1", T: "secret:TOKEN" }, paths: [{ path: "/data", write: true }] }),
      "/ws",
      deps,
    );
    if (!r.ok) throw new Error(r.reason);
    expect(r.command).toMatchObject({
      argv: ["srv", "--stdio"],
      workspace: "/ws",
      env: { LANG: "C.UTF-8", A: "1", T: "t0ken-value" },
      paths: [
        { path: "/opt/tools", write: false },
        { path: "/data", write: true },
      ],
      net: { mode: "none" },
      limits: { memoryBytes: 64 * 1024 * 1024, timeoutMs: SERVER_LIFETIME_MS, outputBytes: SERVER_OUTPUT_BYTES },
    });
  });

  it("gives the proxy only with net: proxy, and says why it cannot", async () => {
    const proxied = await stdioCommand(server({ net: "proxy" }), "/ws", {
      ...deps,
      proxy: () => ({ socketPath: "/run/e.sock", token: "tok" }),
    });
    expect(proxied).toMatchObject({ ok: true, command: { net: { mode: "proxy", socketPath: "/run/e.sock" } } });
    expect(await stdioCommand(server({ net: "proxy" }), "/ws", deps)).toEqual({
      ok: false,
      reason: "net: proxy, but the daemon runs no egress proxy",
    });
  });

  it("refuses an unknown profile and a missing secret", async () => {
    expect(await stdioCommand(server({ profile: "nope" }), "/ws", deps)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("sandbox profile nope"),
    });
    expect(await stdioCommand(server({ env: { X: "secret:MISSING" } }), "/ws", deps)).toMatchObject({
      ok: false,
      reason: "no secret named MISSING (warden secrets set MISSING)",
    });
  });
});
