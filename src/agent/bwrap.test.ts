// The agent loop with the real bubblewrap sandbox: a root daemon's workspace and written files belong to the
// sandbox uid, so commands in the sandbox can read and write them. Skipped where bwrap cannot run.
import { chmod, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { BwrapSandbox, DEFAULT_PROFILE, profileLimits } from "../sandbox/index.js";
import { harness } from "./harness.fake.js";
import { call } from "./model.fake.js";

const POLICY = `
rules:
  - { id: ws-read, effect: allow, reason: r, match: { tool: read_file, path: "\${workspace}/**" } }
  - { id: ws-write, effect: allow, reason: w, match: { tool: write_file, path: "\${workspace}/**" } }
  - { id: cmds, effect: allow, reason: c, match: { tool: exec, executable: [cat, cp, id], cwd: "\${workspace}/**" } }
`;

const root = process.getuid?.() === 0;
const owner = root ? { uid: 65534, gid: 65534 } : undefined;
const sandbox = new BwrapSandbox({
  bwrapPath: "/usr/bin/bwrap",
  ...(owner ? { runAs: owner } : {}),
  forbiddenPaths: [],
  defaultLimits: { ...profileLimits(DEFAULT_PROFILE), timeoutMs: 20_000 },
});
let usable = false;

beforeAll(async () => {
  usable = (await sandbox.probe()).ok;
});
afterAll(() => sandbox.killAll());

describe("agent loop with bubblewrap", () => {
  it("runs commands in the task workspace, which the sandbox uid can write", async (t) => {
    if (!usable) t.skip();
    await using dir = await tempDir();
    await chmod(dir.path, 0o711); // the sandbox uid must traverse the test's folder to reach the workspace
    using h = await harness(dir.path, { policy: POLICY, sandbox, ...(owner ? { owner } : {}) });
    const { model, outcome, task } = await h.run([
      { toolCalls: [call("write_file", { path: "in/a.txt", content: "from the agent" })] },
      { toolCalls: [call("exec", { argv: ["cp", "in/a.txt", "b.txt"] }), call("exec", { argv: ["cat", "b.txt"] })] },
      { toolCalls: [call("read_file", { path: "b.txt" })] },
      { content: "copied" },
    ]);
    expect(outcome.state).toBe("done");
    const results = h.results(model);
    expect(results[1]).toMatchObject({ ok: true, exitCode: 0 });
    expect(results[2]).toMatchObject({ ok: true, exitCode: 0, stdout: "from the agent" });
    expect(await readFile(join(task.workspace, "b.txt"), "utf8")).toBe("from the agent");
    if (owner) {
      expect((await stat(task.workspace)).uid).toBe(owner.uid);
      expect((await stat(join(task.workspace, "in"))).uid).toBe(owner.uid);
      expect((await stat(join(task.workspace, "in/a.txt"))).uid).toBe(owner.uid);
    }
    // b.txt was written by a command, not by write_file: reading it taints the task.
    expect(outcome.task.taint).toBe("untrusted");
  });
});
