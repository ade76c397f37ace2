import { mkdir, realpath, stat, symlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { ValueRedactor } from "../log/index.js";
import { SqliteStore } from "../store/index.js";
import { Tasks } from "./index.js";

async function setup(dir: string) {
  const store = SqliteStore.open(join(dir, "state.db"));
  const redactor = new ValueRedactor();
  redactor.add("TOKEN", "hunter2-very-secret");
  const tasks = Tasks.open({
    store,
    redactor,
    workspacesRoot: join(dir, "workspaces"),
    workspaceOwner: { uid: 65534, gid: 65534 },
  });
  return { store, tasks };
}

describe("Tasks", () => {
  it("creates a task with its own workspace, owned by the sandbox uid when running as root", async () => {
    await using dir = await tempDir();
    const { store, tasks } = await setup(dir.path);
    const t = await tasks.create({
      prompt: "do it with hunter2-very-secret",
      principal: "owner",
      budget: { steps: 5 },
    });
    if (!t.ok) throw t.error;
    expect(t.value.state).toBe("queued");
    expect(t.value.taint).toBe("trusted");
    expect(t.value.prompt).toBe("do it with [secret:TOKEN]");
    expect(t.value.budget).toEqual({ steps: 5 });
    const st = await stat(t.value.workspace);
    expect(st.isDirectory()).toBe(true);
    if (process.getuid?.() === 0) expect(st.uid).toBe(65534);
    const other = await tasks.create({ prompt: "x", principal: "paired", parent: t.value.id });
    if (!other.ok) throw other.error;
    expect(other.value.workspace).not.toBe(t.value.workspace);
    expect(other.value.taint).toBe("untrusted");
    expect(tasks.list({ parent: t.value.id }).map((x) => x.id)).toEqual([other.value.id]);
    store.close();
  });

  it("works in a given folder by its real path, and refuses a missing one", async () => {
    await using dir = await tempDir();
    const { store, tasks } = await setup(dir.path);
    await mkdir(join(dir.path, "project"));
    await symlink(join(dir.path, "project"), join(dir.path, "link"));
    const t = await tasks.create({ prompt: "x", principal: "owner", workspace: join(dir.path, "link") });
    expect(t.ok && t.value.workspace).toBe(join(await realpath(dir.path), "project"));
    const missing = await tasks.create({ prompt: "x", principal: "owner", workspace: join(dir.path, "nope") });
    expect(!missing.ok && missing.error.code).toBe("INTERNAL");
    store.close();
  });

  it("refuses an unknown parent and any move out of a final state", async () => {
    await using dir = await tempDir();
    const { store, tasks } = await setup(dir.path);
    expect((await tasks.create({ prompt: "x", principal: "owner", parent: "t_nope" })).ok).toBe(false);
    const t = await tasks.create({ prompt: "x", principal: "owner" });
    if (!t.ok) throw t.error;
    expect(tasks.transition(t.value.id, "running").ok).toBe(true);
    const done = tasks.transition(t.value.id, "done", { result: "answer hunter2-very-secret" });
    expect(done.ok && done.value.result).toBe("answer [secret:TOKEN]");
    const again = tasks.transition(t.value.id, "running");
    expect(again.ok).toBe(false);
    if (!again.ok) expect(again.error.code).toBe("CONFLICT");
    store.close();
  });

  it("keeps the transcript redacted, counts usage, and taint only rises", async () => {
    await using dir = await tempDir();
    const { store, tasks } = await setup(dir.path);
    const t = await tasks.create({ prompt: "x", principal: "owner" });
    if (!t.ok) throw t.error;
    const id = t.value.id;
    tasks.append(id, [
      { role: "user", content: "key hunter2-very-secret" },
      {
        role: "assistant",
        content: "",
        toolCalls: [{ id: "c1", name: "exec", arguments: '{"argv":["echo","hunter2-very-secret"]}' }],
      },
    ]);
    tasks.append(id, [{ role: "tool", content: "hunter2-very-secret", toolCallId: "c1" }]);
    const tr = tasks.transcript(id);
    expect(tr.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(JSON.stringify(tr)).not.toContain("hunter2");
    expect(tr[1]?.toolCalls?.[0]?.arguments).toContain("[secret:TOKEN]");
    tasks.addUsage(id, { steps: 2, tokens: 100, wallMs: 5 });
    tasks.addUsage(id, { steps: 1 });
    expect(tasks.get(id)?.usage).toEqual({ steps: 3, tokens: 100, wallMs: 5 });
    tasks.taint(id);
    expect(tasks.get(id)?.taint).toBe("untrusted");
    store.close();
  });

  it("sweeps running tasks to interrupted after a restart and leaves waiting ones waiting", async () => {
    await using dir = await tempDir();
    const first = await setup(dir.path);
    const a = await first.tasks.create({ prompt: "a", principal: "owner" });
    const b = await first.tasks.create({ prompt: "b", principal: "owner" });
    if (!a.ok || !b.ok) throw new Error("create failed");
    first.tasks.transition(a.value.id, "running");
    first.tasks.transition(b.value.id, "running");
    first.tasks.transition(b.value.id, "waiting_approval");
    first.store.close();
    const second = await setup(dir.path);
    const swept = second.tasks.sweep();
    expect(swept.map((t) => [t.id, t.state])).toEqual([[a.value.id, "interrupted"]]);
    expect(second.tasks.get(b.value.id)?.state).toBe("waiting_approval");
    expect(second.tasks.sweep()).toEqual([]);
    second.store.close();
  });
});

describe("Tasks: sub-agents", () => {
  it("keeps a task's grants under its own id and counts its depth", async () => {
    await using dir = await tempDir();
    const { store, tasks } = await setup(dir.path);
    const root = await tasks.create({ prompt: "root", principal: "owner" });
    if (!root.ok) throw root.error;
    const grant = { id: "g1", task: "sub-agent", match: { tool: "read_file", path: "/ws/**" } };
    const child = await tasks.create({ prompt: "c", principal: "owner", parent: root.value.id, grants: [grant] });
    if (!child.ok) throw child.error;
    const grand = await tasks.create({ prompt: "g", principal: "owner", parent: child.value.id });
    if (!grand.ok) throw grand.error;
    expect(tasks.grants(child.value.id)).toEqual([{ ...grant, task: child.value.id }]);
    expect(tasks.grants(root.value.id)).toEqual([]);
    expect([root, child, grand].map((t) => (t.ok ? tasks.depth(t.value.id) : -1))).toEqual([0, 1, 2]);
    store.close();
  });

  it("sweeps the sub-agents of a task that ended while Warden was stopped", async () => {
    await using dir = await tempDir();
    const first = await setup(dir.path);
    const root = await first.tasks.create({ prompt: "root", principal: "owner" });
    if (!root.ok) throw root.error;
    const child = await first.tasks.create({ prompt: "c", principal: "owner", parent: root.value.id });
    if (!child.ok) throw child.error;
    const grand = await first.tasks.create({ prompt: "g", principal: "owner", parent: child.value.id });
    if (!grand.ok) throw grand.error;
    const lone = await first.tasks.create({ prompt: "lone", principal: "owner" });
    if (!lone.ok) throw lone.error;
    first.tasks.transition(root.value.id, "running");
    first.tasks.transition(child.value.id, "running");
    first.tasks.transition(child.value.id, "waiting_approval");
    first.tasks.transition(lone.value.id, "running");
    first.tasks.transition(lone.value.id, "waiting_approval");
    first.store.close();
    const second = await setup(dir.path);
    const swept = second.tasks.sweep().map((t) => [t.id, t.state]);
    // The running root; the queued grandchild (only its parent's call runs it); the child whose parent ended.
    expect(swept).toEqual([
      [root.value.id, "interrupted"],
      [grand.value.id, "interrupted"],
      [child.value.id, "interrupted"],
    ]);
    expect(second.tasks.get(lone.value.id)?.state).toBe("waiting_approval");
    second.store.close();
  });
});
