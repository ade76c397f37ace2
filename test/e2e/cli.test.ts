// The CLI's surface as a user meets it: help on every command, usage errors, init, config, doctor.
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, runWarden } from "../support/cli.js";
import { tempDir } from "../support/tmp.js";

beforeAll(assertBuilt);

const COMMANDS = [
  [],
  ["init"],
  ["start"],
  ["stop"],
  ["status"],
  ["doctor"],
  ["config"],
  ["config", "show"],
  ["config", "schema"],
];

describe("warden CLI", () => {
  it("has --help on every command, exiting 0", async () => {
    await using dir = await tempDir();
    for (const command of COMMANDS) {
      const run = await runWarden([...command, "--help"], dir.path);
      expect(run.code, command.join(" ")).toBe(0);
      expect(run.stdout).toMatch(/^Usage: warden/);
    }
  });

  it("exits 2 on usage errors", async () => {
    await using dir = await tempDir();
    const unknown = await runWarden(["frobnicate"], dir.path);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect((await runWarden(["status", "--bogus"], dir.path)).code).toBe(2);
  });

  it("init creates the home once and reports what it kept on a re-run", async () => {
    await using dir = await tempDir();
    const home = join(dir.path, "h");
    const first = JSON.parse((await runWarden(["init", "--json"], home)).stdout);
    expect(first.created).toContain(join(home, "warden.yaml"));
    expect(statSync(join(home, "token")).mode & 0o777).toBe(0o600);
    const second = JSON.parse((await runWarden(["init", "--json"], home)).stdout);
    expect(second.created).toEqual([]);
    expect(second.kept).toContain(join(home, "token"));
  });

  it("config show prints effective values and config schema prints a JSON Schema", async () => {
    await using dir = await tempDir();
    const home = join(dir.path, "h");
    await runWarden(["init"], home);
    writeFileSync(join(home, "warden.yaml"), "gateway:\n  port: 9123\n");
    const show = await runWarden(["config", "show", "--json"], home);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({
      gateway: { host: "127.0.0.1", port: 9123 },
      log: { level: "info" },
    });
    const yaml = await runWarden(["config", "show"], home);
    expect(yaml.stdout).toContain("port: 9123");
    const schema = JSON.parse((await runWarden(["config", "schema"], home)).stdout);
    expect(schema.properties.gateway.properties.port.type).toBe("integer");
  });

  it("config show names the line of a broken file and exits 1", async () => {
    await using dir = await tempDir();
    const home = join(dir.path, "h");
    await runWarden(["init"], home);
    writeFileSync(join(home, "warden.yaml"), "log:\n  level: loud\n");
    const run = await runWarden(["config", "show", "--json"], home);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("warden.yaml:2:10: log.level: expected one of");
    expect(JSON.parse(run.stdout).error.code).toBe("CONFIG_INVALID");
  });

  it("doctor passes on a fresh home with bubblewrap, and fails with fixes on a missing one", async () => {
    await using dir = await tempDir();
    const home = join(dir.path, "h");
    const missing = await runWarden(["doctor", "--json"], home);
    expect(missing.code).toBe(1);
    const before = JSON.parse(missing.stdout);
    expect(before.checks.find((c: { id: string }) => c.id === "home")).toMatchObject({
      status: "fail",
      fix: "run `warden init`",
    });
    await runWarden(["init"], home);
    writeFileSync(join(home, "warden.yaml"), "gateway:\n  port: 0\n");
    const run = await runWarden(["doctor", "--json"], home);
    const report = JSON.parse(run.stdout);
    const byId = Object.fromEntries(report.checks.map((c: { id: string; status: string }) => [c.id, c.status]));
    expect(byId).toMatchObject({ node: "ok", home: "ok", config: "ok", token: "ok", sandbox: "ok", port: "ok" });
    expect(byId.model).toBe("warn");
    expect(run.code).toBe(0);
  });
});
