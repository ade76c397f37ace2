// The mcp: section through the real config loader: defaults, both server kinds, and clear errors with the file, the
// line and the field for a typo, a bad server name, a bad secret handle and a server that is neither kind.
import { describe, expect, it } from "vitest";
import { type Config, parseConfig } from "../config/index.js";
import { WardenError } from "../errors.js";
import { mcpConfigSchema } from "./config.js";

function load(yaml: string): { ok: true; value: Config } | { ok: false; error: WardenError } {
  try {
    return { ok: true, value: parseConfig(yaml, "/home/me/warden.yaml") };
  } catch (e) {
    if (e instanceof WardenError) return { ok: false, error: e };
    throw e;
  }
}

describe("mcp config", () => {
  it("has defaults and takes both server kinds", () => {
    expect(mcpConfigSchema.parse({})).toMatchObject({ servers: {}, callTimeoutMs: 60_000, maxResultBytes: 65_536 });
    const r = load(`
mcp:
  servers:
    files:
      command: [node, /opt/mcp/files.js]
      env: { TOKEN: "secret:FILES_TOKEN", MODE: ro }
    remote:
      url: https://mcp.example.com/mcp
      headers: { Authorization: "Bearer secret:REMOTE" }
`);
    if (!r.ok) throw r.error;
    expect(r.value.mcp.servers.files).toMatchObject({ start: "lazy", env: { TOKEN: "secret:FILES_TOKEN" } });
    expect(r.value.mcp.servers.remote).toMatchObject({ url: "https://mcp.example.com/mcp" });
  });

  it.each([
    ["a typo", "mcp:\n  servers:\n    a:\n      command: [x]\n      enviroment: {}\n", "enviroment"],
    ["a server name with a dot", "mcp:\n  servers:\n    a.b:\n      command: [x]\n", "a.b"],
    ["a bad handle", "mcp:\n  servers:\n    a:\n      command: [x]\n      env: { T: secret:lower }\n", "env"],
    ["neither command nor url", "mcp:\n  servers:\n    a:\n      profile: default\n", "servers"],
    ["a file: url", "mcp:\n  servers:\n    a:\n      url: file:///etc/passwd\n", "servers"],
  ])("refuses %s with the file and line", (_what, yaml, field) => {
    const r = load(yaml);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe("CONFIG_INVALID");
    expect(`${r.error.message} ${JSON.stringify(r.error.details)}`).toContain(field);
    expect(r.error.details.file).toBe("/home/me/warden.yaml");
    expect(r.error.details.line).toBeGreaterThan(1);
  });
});
