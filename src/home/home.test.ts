import { chmodSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import type { WardenError } from "../errors.js";
import { checkHome, initHome, readToken } from "./init.js";
import { homePaths, resolveHomeRoot } from "./paths.js";

const files = { config: "version: 1\n", starterPolicy: "rules: []\n" };
const uid = process.getuid?.() ?? 0;

describe("resolveHomeRoot", () => {
  it("prefers WARDEN_HOME, then XDG_DATA_HOME, then ~/.local/share", () => {
    expect(resolveHomeRoot({ WARDEN_HOME: "/a/b", XDG_DATA_HOME: "/x", HOME: "/h" })).toBe("/a/b");
    expect(resolveHomeRoot({ XDG_DATA_HOME: "/x", HOME: "/h" })).toBe("/x/warden");
    expect(resolveHomeRoot({ HOME: "/h" })).toBe("/h/.local/share/warden");
  });
});

describe("initHome", () => {
  it("creates folders 0700 and files 0600, with a random token", async () => {
    await using dir = await tempDir();
    const paths = homePaths(join(dir.path, "home"));
    const report = initHome(paths, files);
    expect(report.kept).toEqual([]);
    for (const d of [paths.root, paths.policyDir, paths.runDir, paths.logDir, paths.workspaces]) {
      expect(statSync(d).mode & 0o777).toBe(0o700);
    }
    for (const f of [paths.config, paths.token, join(paths.policyDir, "00-starter.yaml")]) {
      expect(statSync(f).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(paths.config, "utf8")).toBe(files.config);
    expect(readToken(paths)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(checkHome(paths, uid)).toEqual([]);
  });

  it("creates missing parent folders (a fresh account has no ~/.local/share)", async () => {
    await using dir = await tempDir();
    const paths = homePaths(join(dir.path, "a", "b", "warden"));
    expect(initHome(paths, files).created).toContain(paths.root);
    expect(checkHome(paths, uid)).toEqual([]);
  });

  it("never overwrites the owner's files on a second run", async () => {
    await using dir = await tempDir();
    const paths = homePaths(join(dir.path, "home"));
    initHome(paths, files);
    const token = readToken(paths);
    writeFileSync(paths.config, "gateway:\n  port: 9999\n");
    writeFileSync(join(paths.policyDir, "mine.yaml"), "rules: []\n");
    const again = initHome(paths, { config: "OVERWRITTEN", starterPolicy: "OVERWRITTEN" });
    expect(again.created).toEqual([]);
    expect(readFileSync(paths.config, "utf8")).toBe("gateway:\n  port: 9999\n");
    expect(readToken(paths)).toBe(token);
    expect(readFileSync(join(paths.policyDir, "00-starter.yaml"), "utf8")).toBe(files.starterPolicy);
  });
});

describe("checkHome", () => {
  it("reports a missing home with the fix", async () => {
    await using dir = await tempDir();
    const problems = checkHome(homePaths(join(dir.path, "nope")), uid);
    expect(problems).toEqual([expect.objectContaining({ problem: "does not exist", fix: "run `warden init`" })]);
  });

  it("reports a world-readable home and token with chmod fixes", async () => {
    await using dir = await tempDir();
    const paths = homePaths(join(dir.path, "home"));
    initHome(paths, files);
    chmodSync(paths.root, 0o755);
    chmodSync(paths.token, 0o644);
    const problems = checkHome(paths, uid);
    expect(problems.map((p) => p.fix)).toEqual([`chmod 700 ${paths.root}`, `chmod 600 ${paths.token}`]);
  });

  it("reports files owned by someone else and symlinked secrets", async () => {
    await using dir = await tempDir();
    const paths = homePaths(join(dir.path, "home"));
    initHome(paths, files);
    expect(checkHome(paths, uid + 1).map((p) => p.path)).toContain(paths.root);
    symlinkSync("/etc/hostname", paths.database);
    expect(checkHome(paths, uid)).toEqual([
      expect.objectContaining({ path: paths.database, problem: "is a symbolic link" }),
    ]);
  });

  it("refuses a token file that is empty", async () => {
    await using dir = await tempDir();
    const paths = homePaths(join(dir.path, "home"));
    initHome(paths, files);
    writeFileSync(paths.token, "\n");
    expect(() => readToken(paths)).toThrow(/cannot read the API token/);
    try {
      readToken(paths);
    } catch (e) {
      expect((e as WardenError).details.fix).toMatch(/warden init/);
    }
  });
});
