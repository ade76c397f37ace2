// The agent runtime's limits and leftovers with the real daemon and CLI: the `agent:` section sets the concurrency;
// tasks still queued when the daemon stops run after the next start, in their order, while the one that was running
// stays stopped and is reported; a schedule's policy profile is set on its runs' actions by the runtime, shown by
// `schedule list`, warned about by `schedule add` and `policy lint` when no rule names it, audited, and decided the
// same way by `policy check` and `policy simulate` as at run time.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, homeWithFakeModel, runWarden } from "../support/cli.js";
import { startFakeOpenAI } from "../support/fake-openai.js";
import { tempDir } from "../support/tmp.js";

beforeAll(assertBuilt);

/** Several daemon starts and many CLI runs on a shared 2-core machine. */
const LONG = { timeout: 120_000 };

interface TaskRow {
  id: string;
  prompt: string;
  state: string;
  result: string | null;
  principal: string;
  schedule: string | null;
  profile: string | null;
}
const tasksOf = async (home: string): Promise<TaskRow[]> =>
  JSON.parse((await runWarden(["tasks", "list", "--json"], home)).stdout);
const userText = (body: unknown) =>
  ((body as { messages: { role: string; content: string }[] }).messages.find((m) => m.role === "user")?.content ??
    "") as string;

describe("agent runtime", () => {
  it.each(["stop", "crash"] as const)(
    "queued tasks survive a %s and run after the next start, in order; the running one is not re-run",
    LONG,
    async (how) => {
      await using dir = await tempDir();
      // "first" is held until the daemon stops; every other task answers at once.
      await using fake = await startFakeOpenAI({
        script: (req) => {
          const text = userText(req.body);
          return text === "first" ? { content: "never", delayMs: 60_000 } : { content: `did ${text}` };
        },
      });
      const { home } = await homeWithFakeModel(dir.path, fake.baseUrl, {
        config: "agent:\n  maxConcurrentTasks: 1\n  maxConcurrentPerSender: 1\n",
      });
      expect((await runWarden(["start"], home)).code).toBe(0);
      const asks = [runWarden(["ask", "first"], home, { timeoutMs: 60_000 })];
      await expect.poll(async () => (await tasksOf(home)).length, { timeout: 15_000, interval: 200 }).toBe(1);
      asks.push(runWarden(["ask", "second"], home, { timeoutMs: 60_000 }));
      await expect.poll(async () => (await tasksOf(home)).length, { timeout: 15_000, interval: 200 }).toBe(2);
      asks.push(runWarden(["ask", "third"], home, { timeoutMs: 60_000 }));
      await expect.poll(async () => (await tasksOf(home)).length, { timeout: 15_000, interval: 200 }).toBe(3);
      const before = await tasksOf(home);
      expect(before.map((t) => [t.prompt, t.state]).reverse()).toEqual([
        ["first", "running"],
        ["second", "queued"],
        ["third", "queued"],
      ]);
      if (how === "stop") expect((await runWarden(["stop"], home)).code).toBe(0);
      else {
        const status = JSON.parse((await runWarden(["status", "--json"], home)).stdout);
        process.kill(status.daemon.pid, "SIGKILL"); // no shutdown at all: the next start finds what the process left
      }
      const answered = await Promise.all(asks);
      if (how === "stop") {
        // The clients still waiting are answered before the control plane closes: each hears what became of its task.
        expect(answered.map((a) => [a.code, a.stderr.replace(/task \S+/, "task")])).toEqual([
          [1, "warden: task interrupted\n"],
          [1, "warden: task queued\n"],
          [1, "warden: task queued\n"],
        ]);
        expect(answered[0]?.stdout).toBe("Warden stopped while this task was running\n");
        expect(answered[1]?.stdout).toContain("before this task started");
      }
      // The daemon is down: read its state database as the next one will.
      const db = new Database(join(home, "state.db"), { readonly: true });
      const stopped = db.prepare("SELECT prompt, state FROM tasks ORDER BY created_at").all();
      db.close();
      expect(stopped).toEqual([
        // A stop interrupts it; after a crash the row still says running, and the next start's sweep interrupts it.
        { prompt: "first", state: how === "stop" ? "interrupted" : "running" },
        { prompt: "second", state: "queued" },
        { prompt: "third", state: "queued" },
      ]);

      expect((await runWarden(["start"], home)).code).toBe(0);
      await expect
        .poll(async () => (await tasksOf(home)).map((t) => t.state), { timeout: 30_000, interval: 300 })
        .toEqual(["done", "done", "interrupted"]);
      const after = await tasksOf(home);
      expect(after.map((t) => [t.prompt, t.result]).reverse()).toEqual([
        ["first", "Warden stopped while this task was running"],
        ["second", "did second"],
        ["third", "did third"],
      ]);
      // The model saw the queued ones in their order after the restart, and "first" never again.
      const seen = fake.chatBodies().map(userText);
      expect(seen).toEqual(["first", "second", "third"]);
      expect((await runWarden(["stop"], home)).code).toBe(0);
    },
  );

  it("the agent section reaches the runtime: sub-agent depth and tool calls per turn", LONG, async () => {
    await using dir = await tempDir();
    await using fake = await startFakeOpenAI({
      script: (req) => {
        const msgs = (req.body as { messages: { role: string }[] }).messages;
        if (msgs.at(-1)?.role === "tool") return { content: "finished" };
        const spawn = { name: "spawn_agent", arguments: JSON.stringify({ task: "help me" }) };
        const ls = { name: "list_dir", arguments: "{}" };
        return { toolCalls: [spawn, ls] };
      },
    });
    const { home, workspace } = await homeWithFakeModel(dir.path, fake.baseUrl, {
      config: "agent:\n  maxToolCallsPerTurn: 1\n  subagents:\n    maxDepth: 0\n",
      policy:
        "rules:\n  - { id: spawn, effect: allow, reason: sub-agents are fine here, match: { tool: spawn_agent } }\n",
    });
    expect((await runWarden(["start"], home)).code).toBe(0);
    const r = await runWarden(["ask", "go", "--workspace", workspace], home, { timeoutMs: 60_000 });
    expect([r.code, r.stdout.trim()]).toEqual([0, "finished"]);
    const last = (fake.chatBodies().at(-1) as { messages: { role: string; content: string }[] }).messages;
    const results = last.filter((m) => m.role === "tool").map((m) => JSON.parse(m.content));
    expect(results.map((x) => x.error?.code)).toEqual(["SUBAGENT_LIMIT", "TOO_MANY_CALLS"]);
    expect(results[1].error.reason).toContain("at most 1 tool calls per turn");
    expect((await runWarden(["stop"], home)).code).toBe(0);
  });

  it("a bad agent section stops the start with the file, line and key", async () => {
    await using dir = await tempDir();
    await using fake = await startFakeOpenAI({ script: [] });
    const { home } = await homeWithFakeModel(dir.path, fake.baseUrl, {
      config: "agent:\n  maxConcurrentTasks: 2\n  maxConcurrentPerSender: 5\n",
    });
    const r = await runWarden(["start"], home);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/warden\.yaml:\d+:\d+: agent\.maxConcurrentPerSender: 5 is more than maxConcurrentTasks/);
  });

  it(
    "a schedule's profile: rules match it, list and lint say when no rule names it, check and simulate agree",
    LONG,
    async () => {
      await using dir = await tempDir();
      await using fake = await startFakeOpenAI({
        script: (req) => {
          const msgs = (req.body as { messages: { role: string }[] }).messages;
          return msgs.at(-1)?.role === "tool"
            ? { content: "Looked at the machine." }
            : { toolCalls: [{ name: "exec", arguments: JSON.stringify({ argv: ["uname"] }) }] };
        },
      });
      const policy = `rules:
  - id: inbox-may-run-uname
    effect: allow
    reason: the inbox run may look at the machine
    match: { tool: exec, executable: uname, cwd: "\${workspace}/**" }
    when: { principal: schedule, profile: inbox }
`;
      const { home } = await homeWithFakeModel(dir.path, fake.baseUrl, {
        policy,
        config:
          'schedules:\n  - name: morning\n    cron: "0 * * * *"\n    prompt: summarise my inbox\n    profile: inbox\n  - name: typo\n    cron: "0 3 * * *"\n    prompt: x\n    profile: inbxo\n',
      });
      expect((await runWarden(["start"], home)).code).toBe(0);
      const added = await runWarden(["schedule", "add", "0 2 * * *", "back up my notes", "--profile", "backup"], home);
      expect(added.code).toBe(0);
      expect(added.stdout).toContain("Added schedule back-up-my-notes");
      expect(added.stdout).toContain("profile backup");
      expect(added.stderr).toContain('no policy rule names profile "backup"');
      const list = await runWarden(["schedule", "list"], home);
      expect(list.stdout).toMatch(/morning .*profile inbox/);
      expect(list.stdout).toMatch(/typo .*profile inbxo/);
      expect(list.stdout).toContain('warning: schedule typo: no policy rule names profile "inbxo"');
      expect(list.stdout).not.toContain('profile "inbox"');
      const lint = await runWarden(["policy", "lint"], home);
      expect(lint.stdout).toContain('schedule typo (warden.yaml) runs under profile "inbxo", but no rule names it');
      expect(lint.stdout).toContain(
        'schedule back-up-my-notes (added with warden schedule add) runs under profile "backup", but no rule names it',
      );
      expect(lint.stdout).not.toContain('"inbox"');

      // Make "morning" miss a run while the daemon is down: it runs once at the next start.
      expect((await runWarden(["stop"], home)).code).toBe(0);
      const db = new Database(join(home, "state.db"));
      db.prepare("UPDATE schedule_state SET first_seen = ? WHERE name = 'morning'").run(Date.now() - 3 * 3600_000);
      db.close();
      expect((await runWarden(["start"], home)).code).toBe(0);
      await expect
        .poll(async () => (await tasksOf(home)).find((t) => t.schedule === "morning")?.state, {
          timeout: 30_000,
          interval: 300,
        })
        .toBe("done");
      const run = (await tasksOf(home)).find((t) => t.schedule === "morning");
      expect(run).toMatchObject({ principal: "schedule", profile: "inbox", result: "Looked at the machine." });
      const events = (await runWarden(["audit", "export"], home)).stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(events.find((e) => e.type === "schedule.fired")?.data).toMatchObject({
        schedule: "morning",
        profile: "inbox",
      });
      expect(events.find((e) => e.type === "schedule.added")?.data).toMatchObject({ profile: "backup" });
      const decided = events.find((e) => e.type === "policy.decision" && e.task === run?.id);
      expect(decided?.data).toMatchObject({
        effect: "allow",
        rule: "inbox-may-run-uname",
        action: { tool: "exec", argv: ["uname"], principal: "schedule", profile: "inbox" },
      });

      // `policy check` on the recorded action gives the run's answer; without the profile it is denied.
      const check = await runWarden(["policy", "check", "--action", JSON.stringify(decided.data.action)], home);
      expect(check.code).toBe(0);
      expect(JSON.parse(check.stdout)).toEqual({
        effect: "allow",
        rule: "inbox-may-run-uname",
        reason: decided.data.reason,
      });
      const { profile: _p, ...noProfile } = decided.data.action;
      // Without the profile, the starter policy's "other commands ask" fallback decides.
      expect((await runWarden(["policy", "check", "--action", JSON.stringify(noProfile)], home)).code).toBe(4);
      // --profile decides it as a scheduled run under that profile.
      const { principal: _q, ...bare } = noProfile;
      const asRun = await runWarden(["policy", "check", "--profile", "inbox", "--action", JSON.stringify(bare)], home);
      expect([asRun.code, JSON.parse(asRun.stdout).rule]).toEqual([0, "inbox-may-run-uname"]);
      const badFlag = await runWarden(["policy", "check", "--profile", "no such", "--action", '{"tool":"x"}'], home);
      expect([badFlag.code, badFlag.stderr]).toEqual([2, expect.stringContaining("--profile")]);
      const show = await runWarden(["tasks", "show", run?.id ?? ""], home);
      expect(show.stdout).toContain("run of schedule morning");
      expect(show.stdout).toContain("policy profile inbox");
      const explain = await runWarden(["policy", "explain", "--action", JSON.stringify(noProfile)], home);
      expect(explain.stdout).toContain("inbox-may-run-uname");
      expect(explain.stdout).toContain("no (when.profile differs)");
      // simulate replays the record: nothing changes with the same policy; without the profile rule, the send would be denied.
      expect((await runWarden(["policy", "simulate"], home)).stdout).toMatch(/^0 of \d+ decisions would change/m);
      const candidate = join(dir.path, "candidate");
      await runWarden(["init"], join(dir.path, "other"));
      const { cpSync } = await import("node:fs");
      cpSync(join(dir.path, "other", "policy"), candidate, { recursive: true });
      writeFileSync(join(candidate, "10-test.yaml"), "rules: []\n");
      const sim = await runWarden(["policy", "simulate", "--dir", candidate], home);
      expect(sim.stdout).toMatch(/exec: allow \(inbox-may-run-uname\) -> ask \(other-commands\)/);
      expect((await runWarden(["stop"], home)).code).toBe(0);
    },
  );
});
