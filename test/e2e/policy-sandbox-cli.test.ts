// `warden policy check|explain|lint` and `warden sandbox exec` through the built CLI: exit codes, output, failures.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, runWarden } from "../support/cli.js";
import { tempDir } from "../support/tmp.js";

beforeAll(assertBuilt);

const POLICY = `rules:
  - id: allow-ls
    effect: allow
    reason: listing is harmless
    match:
      tool: exec
      executable: ls
  - id: no-rm
    effect: deny
    reason: never delete
    match:
      tool: exec
      executable: rm
`;

describe("warden policy", () => {
  it("check prints the decision and exits 0 allow, 3 deny; an unknown tool is denied by no rule", async () => {
    await using dir = await tempDir();
    const home = join(dir.path, "home");
    const policyDir = join(dir.path, "policy");
    mkdirSync(policyDir);
    writeFileSync(join(policyDir, "p.yaml"), POLICY);
    await runWarden(["init"], home);

    const allow = await runWarden(
      ["policy", "check", "--dir", policyDir, "--action", '{"tool":"exec","argv":["ls","-la"]}'],
      home,
    );
    expect(allow.code).toBe(0);
    expect(JSON.parse(allow.stdout)).toMatchObject({
      effect: "allow",
      rule: "allow-ls",
      reason: "listing is harmless",
    });

    const deny = await runWarden(
      ["policy", "check", "--dir", policyDir, "--action", '{"tool":"exec","argv":["rm","-rf","x"]}'],
      home,
    );
    expect(deny.code).toBe(3);
    expect(JSON.parse(deny.stdout)).toMatchObject({ effect: "deny", rule: "no-rm" });

    // A wrapper is its own capability: `env ls` is not `ls`.
    const wrapped = await runWarden(
      ["policy", "check", "--dir", policyDir, "--action", '{"tool":"exec","argv":["env","ls"]}'],
      home,
    );
    expect(wrapped.code).toBe(3);
    expect(JSON.parse(wrapped.stdout)).toMatchObject({ effect: "deny", rule: null, reason: "no matching rule" });

    const explain = await runWarden(
      ["policy", "explain", "--dir", policyDir, "--action", '{"tool":"exec","argv":["ls"]}'],
      home,
    );
    expect(explain.stdout).toContain("decision: ALLOW by rule allow-ls");
  });

  it("refuses malformed actions and invalid policy files with a clear error", async () => {
    await using dir = await tempDir();
    const home = join(dir.path, "home");
    await runWarden(["init"], home);
    const bad = await runWarden(["policy", "check", "--action", '{"tool":'], home);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--action is not JSON");
    writeFileSync(join(home, "policy", "broken.yaml"), "rules:\n  - id: x\n    effect: maybe\n");
    const broken = await runWarden(["policy", "check", "--action", '{"tool":"exec","argv":["ls"]}'], home);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("broken.yaml:3");
    const lint = await runWarden(["policy", "lint"], home);
    expect(lint.code).toBe(1);
  });

  it("the starter policy written by init lints clean", async () => {
    await using dir = await tempDir();
    const home = join(dir.path, "home");
    await runWarden(["init"], home);
    const lint = await runWarden(["policy", "lint", "--json"], home);
    expect(lint.code).toBe(0);
    expect(JSON.parse(lint.stdout).errors).toEqual([]);
  });
});

describe("warden sandbox exec", () => {
  it("streams output, passes the exit code through and returns 124 on timeout", async () => {
    await using dir = await tempDir();
    const home = join(dir.path, "home");
    const workspace = join(dir.path, "ws");
    mkdirSync(workspace);
    // As root, the sandbox runs as an unprivileged uid (65534) that must reach and write the workspace.
    chmodSync(dir.path, 0o711);
    chmodSync(workspace, 0o777);
    await runWarden(["init"], home);
    const ok = await runWarden(
      [
        "sandbox",
        "exec",
        "--workspace",
        workspace,
        "--",
        "sh",
        "-c",
        "echo out; echo err >&2; echo made > f.txt; exit 7",
      ],
      home,
    );
    expect(ok.stdout).toBe("out\n");
    expect(ok.stderr).toBe("err\n");
    expect(ok.code).toBe(7);
    expect(readFileSync(join(workspace, "f.txt"), "utf8")).toBe("made\n");

    const slow = await runWarden(
      ["sandbox", "exec", "--workspace", workspace, "--timeout", "1", "--", "sleep", "30"],
      home,
    );
    expect(slow.code).toBe(124);
    expect(slow.stderr).toContain("timed out");
  });

  it("keeps Warden's home invisible and refuses a workspace inside it", async () => {
    await using dir = await tempDir();
    const home = join(dir.path, "home");
    const workspace = join(dir.path, "ws");
    mkdirSync(workspace);
    await runWarden(["init"], home);
    const look = await runWarden(["sandbox", "exec", "--workspace", workspace, "--", "cat", join(home, "token")], home);
    expect(look.code).not.toBe(0);
    expect(look.stdout).toBe("");
    const inside = await runWarden(["sandbox", "exec", "--workspace", home, "--", "true"], home);
    expect(inside.code).toBe(1);
    expect(inside.stderr).toContain("Warden's own home");
  });
});
