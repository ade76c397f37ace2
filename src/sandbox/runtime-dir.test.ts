// Runtime folders: a fresh one per Sandbox, and only dead processes' own folders are swept.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { makeRuntimeDir, runtimeParent, sweepRuntimeDirs } from "./runtime-dir.js";

/** A pid that just exited (and was reaped), so nothing runs under it. */
function deadPid(): number {
  const r = spawnSync("/bin/sh", ["-c", "echo $$"], { encoding: "utf8" });
  return Number(r.stdout.trim());
}

describe("runtime folders", () => {
  it("sweeps only this uid's folders of processes that are gone", async () => {
    await using dir = await tempDir();
    const dead = deadPid();
    const names = {
      dead: `warden-sandbox-${dead}-abcDEF`,
      self: `warden-sandbox-${process.pid}-abcDEF`,
      init: "warden-sandbox-1-abcDEF",
      other: `warden-podman-${dead}-abcDEF`,
      unrelated: `something-${dead}-abcDEF`,
    };
    for (const n of Object.values(names)) await mkdir(join(dir.path, n));
    await writeFile(join(dir.path, names.dead, "file"), "x");
    // A symlink named like a dead folder is never followed.
    const target = join(dir.path, "target");
    await mkdir(target);
    await writeFile(join(target, "keep"), "keep");
    await symlink(target, join(dir.path, `warden-sandbox-${dead}-linkXY`));

    await sweepRuntimeDirs(dir.path, "warden-sandbox");

    expect(existsSync(join(dir.path, names.dead))).toBe(false);
    for (const n of [names.self, names.init, names.other, names.unrelated])
      expect(existsSync(join(dir.path, n))).toBe(true);
    expect(existsSync(join(target, "keep"))).toBe(true);
  });

  it("makes a fresh folder named for this process, readable by the sandbox uid", async () => {
    await using dir = await tempDir();
    const a = await makeRuntimeDir("warden-sandbox", dir.path);
    const b = await makeRuntimeDir("warden-sandbox", dir.path);
    expect(a).not.toBe(b);
    expect(a).toMatch(new RegExp(`/warden-sandbox-${process.pid}-[A-Za-z0-9]{6}$`));
    expect((await stat(a)).mode & 0o777).toBe(0o755);
  });

  it("prefers a shared tmpfs /dev/shm, else the OS temp folder", () => {
    expect(["/dev/shm", tmpdir()]).toContain(runtimeParent());
  });
});
