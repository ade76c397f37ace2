// Schedules end to end with the real daemon: `warden schedule add|list|rm` (config ones read-only), and a run missed
// while the daemon was down that runs once at start-up, unattended: as principal schedule, its approval request
// denied after the schedule's short expiry, the owner notified (audit), the model told.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, runWarden } from "../support/cli.js";
import { startFakeOpenAI } from "../support/fake-openai.js";
import { tempDir } from "../support/tmp.js";

beforeAll(assertBuilt);

async function setup(dir: string, baseUrl: string, schedules: string) {
  const home = join(dir, "home");
  await runWarden(["init"], home);
  writeFileSync(
    join(home, "warden.yaml"),
    `gateway:\n  port: 0\nmodel:\n  provider: openai-compatible\n  baseUrl: ${baseUrl}\n  model: fake-model\n${schedules}`,
  );
  const workspace = join(dir, "ws");
  mkdirSync(workspace);
  chmodSync(dir, 0o711);
  chmodSync(workspace, 0o777);
  return { home, workspace };
}

describe("warden schedule", () => {
  it("adds, lists with the next run time, removes; config schedules are read-only", async () => {
    await using dir = await tempDir();
    await using fake = await startFakeOpenAI({ script: [] });
    const yaml =
      'schedules:\n  - name: nightly\n    cron: "0 3 * * *"\n    prompt: check the build\n    tz: Europe/Paris\n';
    const { home, workspace } = await setup(dir.path, fake.baseUrl, yaml);
    expect((await runWarden(["start"], home)).code).toBe(0);
    const added = await runWarden(
      ["schedule", "add", "*/15 9-17 * * mon-fri", "Summarise my inbox", "--workspace", workspace, "--json"],
      home,
    );
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ name: "summarise-my-inbox", source: "owner", workspace });
    const bad = await runWarden(["schedule", "add", "0 8 * * * *", "x"], home);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("5 fields");
    expect((await runWarden(["schedule", "add", "0 8 * * *", "x", "--name", "nightly"], home)).stderr).toContain(
      "exists already",
    );
    const list = JSON.parse((await runWarden(["schedule", "list", "--json"], home)).stdout);
    expect(list.map((s: { name: string; source: string }) => [s.name, s.source])).toEqual([
      ["nightly", "config"],
      ["summarise-my-inbox", "owner"],
    ]);
    expect(new Date(list[0].next).getUTCMinutes()).toBe(0);
    expect(list[0].zone).toBe("Europe/Paris");
    const rmConfig = await runWarden(["schedule", "rm", "nightly"], home);
    expect(rmConfig.code).toBe(1);
    expect(rmConfig.stderr).toContain("defined in warden.yaml");
    expect((await runWarden(["schedule", "rm", "summarise-my-inbox"], home)).code).toBe(0);
    expect(JSON.parse((await runWarden(["schedule", "list", "--json"], home)).stdout)).toHaveLength(1);
    const audit = (await runWarden(["audit", "export"], home)).stdout;
    expect(audit).toContain('"type":"schedule.added"');
    expect(audit).toContain('"type":"schedule.removed"');
  });

  it("runs a missed run once at start-up, unattended: its ask expires quickly and the owner is told", async () => {
    await using dir = await tempDir();
    await using fake = await startFakeOpenAI({
      script: (req) => {
        const msgs = (req.body as { messages: { role: string }[] }).messages;
        return msgs.at(-1)?.role === "tool"
          ? { content: "Could not deploy: nobody approved." }
          : { toolCalls: [{ name: "exec", arguments: JSON.stringify({ argv: ["make", "deploy"] }) }] };
      },
    });
    const yaml =
      'schedules:\n  - name: hourly\n    cron: "0 * * * *"\n    prompt: deploy it\n    approvalExpirySeconds: 5\n';
    const { home } = await setup(dir.path, fake.baseUrl, yaml);
    // First start: the schedule is seen (no run for past times); then pretend the daemon was down for three hours.
    expect((await runWarden(["start"], home)).code).toBe(0);
    expect((await runWarden(["stop"], home)).code).toBe(0);
    const db = new Database(join(home, "state.db"));
    const threeHoursAgo = Date.now() - 3 * 3600_000;
    expect(
      db.prepare("UPDATE schedule_state SET first_seen = ? WHERE name = 'hourly'").run(threeHoursAgo).changes,
    ).toBe(1);
    db.close();
    expect((await runWarden(["start"], home)).code).toBe(0);

    await expect
      .poll(async () => JSON.parse((await runWarden(["tasks", "list", "--json"], home)).stdout)[0]?.state, {
        timeout: 30_000,
        interval: 500,
      })
      .toBe("done");
    const tasks = JSON.parse((await runWarden(["tasks", "list", "--json"], home)).stdout);
    expect(tasks).toHaveLength(1); // once, not once per missed hour
    expect(tasks[0]).toMatchObject({ principal: "schedule", result: "Could not deploy: nobody approved." });
    const [approval] = JSON.parse((await runWarden(["approvals", "list", "--all", "--json"], home)).stdout);
    expect(approval).toMatchObject({ state: "expired", task: tasks[0].id });
    expect(Date.parse(approval.expiresAt) - Date.parse(approval.requestedAt)).toBe(5000);
    const events = (await runWarden(["audit", "export"], home)).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const fired = events.filter((e) => e.type === "schedule.fired");
    expect(fired).toHaveLength(1);
    expect(fired[0].data).toMatchObject({ schedule: "hourly", missed: true });
    const kinds = events.filter((e) => e.type === "schedule.notice").map((e) => e.data.kind);
    expect(kinds).toEqual(expect.arrayContaining(["missed", "approval_requested"]));
    expect(JSON.stringify(fake.chatBodies().at(-1))).toContain("APPROVAL_EXPIRED");
  });
});
