// Paths on the real filesystem: symlinks, "..", loops, encodings. The workspace allow must never reach outside.
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import type { Action } from "./action.js";
import { compilePolicyTexts } from "./policy.js";
import { createNodeResolver } from "./resolve.js";

const RULES = `rules:
  - id: ws
    effect: allow
    reason: workspace
    match: { tool: [read_file, write_file], path: "\${workspace}/**" }
  - id: ls
    effect: allow
    reason: ls
    match: { tool: exec, executable: ls, cwd: "\${workspace}/**" }
`;

async function setup() {
  const dir = await tempDir();
  const ws = join(dir.path, "ws");
  const bin = join(dir.path, "bin");
  mkdirSync(join(ws, "sub"), { recursive: true });
  mkdirSync(join(dir.path, "secret"));
  mkdirSync(bin);
  writeFileSync(join(dir.path, "secret", "key"), "k");
  writeFileSync(join(ws, "a.txt"), "a");
  symlinkSync(join(dir.path, "secret"), join(ws, "out"));
  symlinkSync(join(dir.path, "secret", "key"), join(ws, "key-link"));
  symlinkSync(join(ws, "loop1"), join(ws, "loop2"));
  symlinkSync(join(ws, "loop2"), join(ws, "loop1"));
  for (const name of ["ls", "bash"]) {
    writeFileSync(join(bin, name), "#!/bin/true\n");
    chmodSync(join(bin, name), 0o755);
  }
  symlinkSync(join(bin, "bash"), join(ws, "ls")); // a workspace "ls" that really is bash
  const resolver = createNodeResolver({ pathEnv: bin });
  const p = compilePolicyTexts({ "p.yaml": RULES }, { resolver });
  if (!p.ok) throw p.error;
  return { dir, ws, policy: p.value };
}

describe("paths are matched on the real path", () => {
  it("allows inside the workspace, new files included", async () => {
    const { dir, ws, policy } = await setup();
    await using _ = dir;
    const read = (path: string): Action => ({ tool: "read_file", path, workspace: ws });
    expect(policy.decide(read(join(ws, "a.txt"))).effect).toBe("allow");
    expect(policy.decide(read(join(ws, "sub", "new", "file.txt"))).effect).toBe("allow");
    expect(policy.decide(read("sub/../a.txt")).effect).toBe("allow"); // relative to the workspace
    expect(policy.decide(read(ws)).effect).toBe("allow");
  });
  it("refuses every way out: .., symlinked folders and files, loops, NUL, encodings, look-alikes", async () => {
    const { dir, ws, policy } = await setup();
    await using _ = dir;
    const outs = [
      join(ws, "..", "secret", "key"),
      `${ws}/sub/../../secret/key`,
      join(ws, "out", "key"),
      join(ws, "out", "new-file"),
      join(ws, "key-link"),
      `${ws}/out/../secret/key`, // ".." applies after the link (as the kernel does): dir/secret/key, not ws/secret/key
      join(ws, "loop1"),
      join(ws, "loop1", "x"),
      join(ws, "missing", "..", "..", "secret", "key"),
      `${ws}/a.txt\0`,
      `${ws}/%2e%2e/secret/key`,
      `${ws}/..%2fsecret/key`,
      `${ws}/%c0%ae%c0%ae/secret/key`, // overlong UTF-8 dots: a file name here, never decoded
      `${ws}/..\\secret\\key`, // backslashes are not separators on Linux
      `${ws}/\uff0e\uff0e\uff0fsecret`, // fullwidth dots and slash
      `${ws}/\u2024\u2024/secret/key`, // one-dot leaders
      `${ws}\u2215..\u2215secret`, // division slash look-alike: a file name, not a separator
      "relative-without-workspace",
      "x".repeat(5000),
    ];
    for (const path of outs) {
      const d = policy.decide({
        tool: "write_file",
        path,
        workspace: path === "relative-without-workspace" ? undefined : ws,
      });
      const inside = typeof d.facts.path === "string" && d.facts.path.startsWith(`${ws}/`);
      // Either denied, or (for the names that are literally inside) the real path really is inside.
      if (d.effect === "allow") expect(inside, path).toBe(true);
      else expect(d.effect, path).toBe("deny");
    }
    expect(policy.decide({ tool: "write_file", path: join(ws, "out", "key"), workspace: ws }).facts.path).toBe(
      join(dir.path, "secret", "key"),
    );
    expect(policy.decide({ tool: "read_file", path: join(ws, "loop1"), workspace: ws }).reason).toContain(
      "cannot be resolved",
    );
    expect(policy.decide({ tool: "read_file", path: `${ws}/out/../secret/key`, workspace: ws }).facts.path).toBe(
      join(dir.path, "secret", "key"),
    );
  });
  it("matches the real executable, not its name: a workspace ls that is bash is bash", async () => {
    const { dir, ws, policy } = await setup();
    await using _ = dir;
    expect(policy.decide({ tool: "exec", argv: ["ls"], cwd: ws, workspace: ws }).effect).toBe("allow");
    const fake = policy.decide({ tool: "exec", argv: ["./ls", "-c", "id"], cwd: ws, workspace: ws });
    expect(fake.effect).toBe("deny");
    expect(fake.facts.executable).toBe(join(dir.path, "bin", "bash"));
    expect(policy.decide({ tool: "exec", argv: ["ls"], cwd: join(ws, "out"), workspace: ws }).effect).toBe("deny");
    expect(policy.decide({ tool: "exec", argv: ["nonexistent"], cwd: ws, workspace: ws }).effect).toBe("deny");
  });
});
