// `warden approvals list | approve | deny` and `warden audit tail | export | verify` against a running daemon.
// The agent runtime that files approval requests comes with a later issue; here a second process (this test) files
// them in the daemon's database, which is also how the queue survives restarts.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Approvals } from "../../src/approvals/index.js";
import { AuditLog } from "../../src/audit/index.js";
import { SqliteStore } from "../../src/store/index.js";
import { assertBuilt, runWarden } from "../support/cli.js";
import { tempDir } from "../support/tmp.js";

beforeAll(assertBuilt);

describe("approvals and audit through the CLI", () => {
  it("lists, approves and denies requests; the audit log records it and verifies", async () => {
    await using dir = await tempDir();
    const home = join(dir.path, "home");
    await runWarden(["init"], home);
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(home, "warden.yaml"), "gateway:\n  port: 0\n");

    expect((await runWarden(["approvals", "list"], home)).code).toBe(1); // not running yet
    expect((await runWarden(["start"], home)).code).toBe(0);

    const store = SqliteStore.open(join(home, "state.db"));
    const audit = AuditLog.open(store);
    const queue = Approvals.open({ store, audit });
    const decision = { effect: "ask" as const, rule: "other-commands", reason: "needs approval" };
    const push = queue.request({ task: "t1", action: { tool: "exec", argv: ["git", "push"] }, decision });
    const curl = queue.request({ task: "t1", action: { tool: "exec", argv: ["curl", "x"] }, decision });
    await audit.flush();

    const list = await runWarden(["approvals", "list", "--json"], home);
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.stdout) as { id: string; state: string }[];
    expect(listed.map((a) => a.id).sort()).toEqual([push.id, curl.id].sort());
    expect((await runWarden(["approvals", "list"], home)).stdout).toContain("git push");

    const approve = await runWarden(["approve", push.id, "--scope", "task"], home);
    expect(approve.stderr).toBe("");
    expect(approve.code).toBe(0);
    const again = await runWarden(["approve", push.id], home);
    expect(again.code).toBe(1); // answered already: refused, nothing changes
    const deny = await runWarden(["deny", curl.id, "--reason", "no network today"], home);
    expect(deny.code).toBe(0);
    expect(queue.get(push.id)).toMatchObject({ state: "approved", scope: "task" });
    expect(queue.get(curl.id)).toMatchObject({ state: "denied", reason: "no network today" });
    expect((await runWarden(["approve", "forged-id"], home)).code).toBe(1);
    expect((await runWarden(["approve", push.id, "--scope", "forever"], home)).code).toBe(1);

    const verify = await runWarden(["audit", "verify"], home);
    expect(verify.stdout).toMatch(/^OK: \d+ events, chain intact/);
    const exported = (await runWarden(["audit", "export", "--jsonl"], home)).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const types = exported.map((e) => e.type);
    expect(types).toContain("approval.requested");
    expect(types).toContain("approval.resolved");
    expect(exported.map((e) => e.seq)).toEqual(exported.map((_, i) => i + 1));
    const byTask = (await runWarden(["audit", "export", "--task", "t1"], home)).stdout.trim().split("\n");
    expect(byTask.every((l) => JSON.parse(l).task === "t1")).toBe(true);
    const tail = await runWarden(["audit", "tail", "-n", "2", "--json"], home);
    expect(tail.stdout.trim().split("\n")).toHaveLength(2);

    // Someone with access to the file removes the append-only trigger and edits the record: verify finds the first
    // bad event and exits 1.
    store.prepare("DROP TRIGGER audit_events_no_update").run();
    store.prepare("UPDATE audit_events SET data = '{\"forged\":true}' WHERE seq = 2").run();
    const broken = await runWarden(["audit", "verify", "--json"], home);
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, seq: 2 });
    queue.close();
    await audit.close();
    store.close();
  });

  it("approve --scope always proposes a rule; accept writes it to the policy after a check, and it applies", async () => {
    await using dir = await tempDir();
    const home = join(dir.path, "home");
    await runWarden(["init"], home);
    const { writeFileSync, readFileSync, existsSync } = await import("node:fs");
    writeFileSync(join(home, "warden.yaml"), "gateway:\n  port: 0\n");
    expect((await runWarden(["start"], home)).code).toBe(0);

    const store = SqliteStore.open(join(home, "state.db"));
    const audit = AuditLog.open(store);
    const queue = Approvals.open({ store, audit });
    const action = { tool: "exec", argv: ["make", "test"] };
    const asked = queue.request({
      task: "t2",
      action,
      decision: { effect: "ask", rule: "other-commands", reason: "r" },
    });
    expect((await runWarden(["approve", asked.id, "--scope", "always"], home)).code).toBe(0);

    const rules = JSON.parse((await runWarden(["approvals", "rules", "--json"], home)).stdout) as {
      id: string;
      diff: string;
      rule: { id: string };
    }[];
    expect(rules).toHaveLength(1);
    expect(rules[0]!.diff).toContain("make");
    const file = join(home, "policy", "90-accepted.yaml");
    expect(existsSync(file)).toBe(false); // proposing never touches the policy

    const check = ["policy", "check", "--action", JSON.stringify(action)];
    const before = JSON.parse((await runWarden(check, home)).stdout);
    const accept = await runWarden(["approvals", "accept", rules[0]!.id], home);
    expect(accept.stderr).toBe("");
    expect(accept.code).toBe(0);
    expect(readFileSync(file, "utf8")).toContain("make");
    const after = JSON.parse((await runWarden(check, home)).stdout);
    expect(before).toMatchObject({ effect: "ask", rule: "other-commands" });
    expect(after).toMatchObject({ effect: "allow", rule: rules[0]!.rule.id }); // the accepted rule decides now
    expect((await runWarden(["policy", "lint"], home)).code).toBe(0);
    expect((await runWarden(["approvals", "accept", rules[0]!.id], home)).code).toBe(1); // already accepted
    queue.close();
    await audit.close();
    store.close();
  });

  it("policy simulate replays recorded decisions against a candidate policy and lists what would change", async () => {
    await using dir = await tempDir();
    const home = join(dir.path, "home");
    await runWarden(["init"], home);
    const { writeFileSync, mkdirSync } = await import("node:fs");
    writeFileSync(join(home, "warden.yaml"), "gateway:\n  port: 0\n");
    expect((await runWarden(["start"], home)).code).toBe(0);
    const store = SqliteStore.open(join(home, "state.db"));
    const audit = AuditLog.open(store);
    const record = (argv: string[], effect: string, rule: string | null) =>
      audit.append({
        type: "policy.decision",
        actor: "agent:a1",
        task: "t3",
        data: { action: { tool: "exec", argv }, decision: { effect, rule, reason: "recorded" } },
      });
    await record(["ls"], "allow", "allow-ls");
    await record(["rm", "-rf", "x"], "deny", null);
    await audit.close();
    store.close();

    const candidate = join(dir.path, "candidate");
    mkdirSync(candidate);
    writeFileSync(
      join(candidate, "p.yaml"),
      "rules:\n  - id: allow-ls\n    effect: allow\n    reason: ok\n    match:\n      tool: exec\n      executable: ls\n  - id: allow-rm\n    effect: allow\n    reason: careless\n    match:\n      tool: exec\n      executable: rm\n",
    );
    const sim = await runWarden(["policy", "simulate", "--dir", candidate, "--json"], home);
    expect(sim.stderr).toBe("");
    const result = JSON.parse(sim.stdout);
    expect(result.total).toBe(2);
    expect(result.changed).toEqual([
      expect.objectContaining({
        before: { effect: "deny", rule: null },
        after: expect.objectContaining({ effect: "allow", rule: "allow-rm" }),
      }),
    ]);
  });
});
