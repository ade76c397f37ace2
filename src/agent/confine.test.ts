import { execFileSync } from "node:child_process";
import { mkdir, readFile, rename, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import type { Decision } from "../policy/index.js";
import { ensureDir, isSensitive, openConfined } from "./confine.js";
import type { ToolContext } from "./tool.js";
import { editFileTool, readFileTool, writeFileTool } from "./tools/files.js";

const decided = (path: string): Decision => ({
  effect: "allow",
  rule: "test",
  file: null,
  line: null,
  reason: "test",
  facts: { path },
  matched: [],
  policyVersion: "x",
});
const ctxFor = (ws: string, path: string): ToolContext => ({
  workspace: ws,
  decision: decided(path),
  signal: new AbortController().signal,
  written: new Set(),
  task: "t_test",
  call: "call_test",
  taint: "trusted",
  budget: {},
  idle: (p) => p,
});

describe("workspace confinement", () => {
  it("refuses a final symlink and a folder swapped for a link after the policy check", async () => {
    await using ws = await tempDir();
    await using out = await tempDir();
    await writeFile(join(out.path, "secret.txt"), "outside");
    await symlink(join(out.path, "secret.txt"), join(ws.path, "link"));
    const r1 = await openConfined(ws.path, join(ws.path, "link"), 0);
    expect(!r1.ok && r1.error.code).toBe("SYMLINK_REFUSED");
    // The policy decided on ws/sub/secret.txt while sub was a folder; then sub became a link out.
    await mkdir(join(ws.path, "sub"));
    const checked = join(ws.path, "sub", "secret.txt");
    await rename(join(ws.path, "sub"), join(ws.path, "gone"));
    await symlink(out.path, join(ws.path, "sub"));
    const read = await readFileTool.run({ path: "sub/secret.txt" }, ctxFor(ws.path, checked));
    expect(read).toMatchObject({ ok: false, error: { code: "OUTSIDE_WORKSPACE" } });
    const write = await writeFileTool().run({ path: "sub/secret.txt", content: "x" }, ctxFor(ws.path, checked));
    expect(write).toMatchObject({ ok: false, error: { code: "SYMLINK_REFUSED" } });
    const edit = await editFileTool().run({ path: "sub/secret.txt", old: "out", new: "in" }, ctxFor(ws.path, checked));
    expect(edit).toMatchObject({ ok: false, error: { code: "OUTSIDE_WORKSPACE" } });
    expect(await readFile(join(out.path, "secret.txt"), "utf8")).toBe("outside");
    const dir = await ensureDir(ws.path, join(ws.path, "sub", "deeper"));
    expect(!dir.ok && dir.error.code).toBe("SYMLINK_REFUSED");
  });

  it("does not hang on a FIFO planted in the workspace", async () => {
    await using ws = await tempDir();
    const fifo = join(ws.path, "pipe");
    execFileSync("mkfifo", [fifo]);
    const read = await readFileTool.run({ path: "pipe" }, ctxFor(ws.path, fifo));
    expect(read).toMatchObject({ ok: false, error: { code: "NOT_A_FILE" } });
    const write = await writeFileTool().run({ path: "pipe", content: "x" }, ctxFor(ws.path, fifo));
    expect(write.ok).toBe(false);
  });

  it("knows the sensitive files the sandbox keeps read-only", () => {
    expect(isSensitive("/ws", "/ws/.git/hooks/pre-commit")).toBe(true);
    expect(isSensitive("/ws", "/ws/.env")).toBe(true);
    expect(isSensitive("/ws", "/ws/.envelope")).toBe(false);
    expect(isSensitive("/ws", "/ws/src/.git/hooks")).toBe(false);
  });
});
