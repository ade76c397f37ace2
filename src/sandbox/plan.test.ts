import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { planPaths } from "./plan.js";

describe("planPaths and Warden's home", () => {
  it("allows a task workspace under <home>/workspaces and nothing else that overlaps the home", async () => {
    await using dir = await tempDir();
    const home = join(dir.path, "home");
    const task = join(home, "workspaces", "t_1");
    const outside = join(dir.path, "project");
    for (const d of [task, join(home, "policy"), outside]) mkdirSync(d, { recursive: true });
    symlinkSync(join(home, "policy"), join(home, "workspaces", "t_link"));
    const forbidden = [{ path: home, workspaces: join(home, "workspaces") }];
    const plan = (workspace: string, paths?: { path: string }[]) => planPaths({ workspace, forbidden, paths });

    expect((await plan(task)).ok).toBe(true);
    expect((await plan(outside)).ok).toBe(true);
    for (const refused of [home, join(home, "workspaces"), join(home, "policy"), join(home, "workspaces", "t_link")]) {
      const r = await plan(refused);
      expect(r.ok, refused).toBe(false);
      if (!r.ok) expect(r.error.code).toBe("SANDBOX_UNAVAILABLE");
    }
    // A task workspace does not open the rest of the home to grants.
    const granted = await plan(task, [{ path: join(home, "policy") }]);
    expect(granted.ok).toBe(false);
    // A bare forbidden path (no workspaces folder) refuses its task workspaces too.
    expect((await planPaths({ workspace: task, forbidden: [home] })).ok).toBe(false);
  });
});
