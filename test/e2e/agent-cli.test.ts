// `warden ask` end to end: the real daemon, the real policy (starter), the real bwrap sandbox, the real OpenAI client
// against a protocol-faithful fake model server. The model is scripted, and treated as hostile: what it may do is
// decided by policy; a secret in a file it reads never reaches the model server; an ask waits for a human.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, homeWithFakeModel, runWarden } from "../support/cli.js";
import { type FakeReply, startFakeOpenAI } from "../support/fake-openai.js";
import { tempDir } from "../support/tmp.js";

beforeAll(assertBuilt);

const SECRET = "wdn-agent-secret-5b0c9d2e7f";
const call = (name: string, args: unknown): FakeReply => ({ toolCalls: [{ name, arguments: JSON.stringify(args) }] });

describe("warden ask", () => {
  it("runs a task through policy and sandbox, and no secret value reaches the model server", async () => {
    await using dir = await tempDir();
    await using fake = await startFakeOpenAI({
      script: [call("exec", { argv: ["ls"] }), call("read_file", { path: "notes.txt" }), { content: "All done." }],
    });
    const { home, workspace } = await homeWithFakeModel(dir.path, fake.baseUrl);
    writeFileSync(join(workspace, "notes.txt"), `deploy key: ${SECRET}\n`);
    expect((await runWarden(["secrets", "set", "DEPLOY_KEY"], home, { input: SECRET })).code).toBe(0);
    expect((await runWarden(["start"], home)).code).toBe(0);
    // status names the model in use, not just the configured provider
    const status = JSON.parse((await runWarden(["status", "--json"], home)).stdout);
    expect(status.daemon.model).toMatchObject({ provider: "openai-compatible", model: "fake-model" });

    const ask = await runWarden(["ask", "what is in my folder?", "--workspace", workspace, "--json"], home, {
      timeoutMs: 60_000,
    });
    expect(ask.stderr).toBe("");
    expect(JSON.parse(ask.stdout)).toMatchObject({ state: "done", text: "All done." });
    expect(ask.code).toBe(0);

    const seen = JSON.stringify(fake.chatBodies());
    expect(seen).toContain("notes.txt"); // the ls output came back to the model
    expect(seen).toContain("[secret:DEPLOY_KEY]"); // the file's content, redacted
    expect(seen).not.toContain(SECRET);
    const audit = (await runWarden(["audit", "export"], home)).stdout;
    expect(audit).not.toContain(SECRET);
    expect(audit).toContain('"type":"policy.decision"');
    // The recorded decisions replay identically against the same policy.
    const sim = JSON.parse((await runWarden(["policy", "simulate", "--json"], home)).stdout);
    expect(sim).toMatchObject({ total: 2, invalid: 0, changed: [] });
    const tasks = JSON.parse((await runWarden(["tasks", "list", "--json"], home)).stdout);
    expect(tasks[0]).toMatchObject({ state: "done" });
  });

  it("runs commands in the task's own workspace under the home when no --workspace is given", async () => {
    await using dir = await tempDir();
    await using fake = await startFakeOpenAI({
      script: [
        call("write_file", { path: "hello.txt", content: "hi\n" }),
        call("exec", { argv: ["ls"] }),
        { content: "Listed." },
      ],
    });
    const { home } = await homeWithFakeModel(dir.path, fake.baseUrl);
    expect((await runWarden(["start"], home)).code).toBe(0);
    const ask = await runWarden(["ask", "make a file and list it", "--json"], home, { timeoutMs: 60_000 });
    expect(JSON.parse(ask.stdout)).toMatchObject({ state: "done", workspace: expect.stringContaining("/workspaces/") });
    // The sandboxed ls ran in that workspace (not refused as "inside Warden's home") and saw the file.
    const tools = (fake.chatBodies().at(-1) as { messages: { role: string; content: string }[] }).messages.filter(
      (m) => m.role === "tool",
    );
    expect(JSON.parse(tools.at(-1)?.content ?? "{}")).toMatchObject({ ok: true, exitCode: 0, stdout: "hello.txt\n" });
  });

  it("stops at an ask with exit 4 and the approval id; a denial goes back to the model with its reason", async () => {
    await using dir = await tempDir();
    await using fake = await startFakeOpenAI({
      script: [call("exec", { argv: ["make", "deploy"] }), { content: "Understood, not deploying." }],
    });
    const { home, workspace } = await homeWithFakeModel(dir.path, fake.baseUrl);
    expect((await runWarden(["start"], home)).code).toBe(0);

    const ask = await runWarden(["ask", "deploy it", "--workspace", workspace, "--json"], home, { timeoutMs: 60_000 });
    expect(ask.code).toBe(4);
    const waiting = JSON.parse(ask.stdout);
    expect(waiting).toMatchObject({ state: "waiting_approval", approval: expect.any(String) });

    const listed = JSON.parse((await runWarden(["approvals", "list", "--json"], home)).stdout);
    expect(listed.map((a: { id: string }) => a.id)).toEqual([waiting.approval]);
    expect((await runWarden(["deny", waiting.approval, "--reason", "not on a Friday"], home)).code).toBe(0);

    await expect
      .poll(async () => JSON.parse((await runWarden(["tasks", "show", waiting.task, "--json"], home)).stdout).state, {
        timeout: 20_000,
      })
      .toBe("done");
    const toModel = JSON.stringify(fake.chatBodies().at(-1));
    expect(toModel).toContain("not on a Friday");
  });

  it("says clearly that the agent is off when no model is configured", async () => {
    await using dir = await tempDir();
    const home = join(dir.path, "home");
    await runWarden(["init"], home);
    writeFileSync(join(home, "warden.yaml"), "gateway:\n  port: 0\n");
    expect((await runWarden(["start"], home)).code).toBe(0);
    expect(JSON.parse((await runWarden(["status", "--json"], home)).stdout).daemon.model).toEqual({ provider: "none" });
    const ask = await runWarden(["ask", "hello"], home);
    expect(ask.code).toBe(1);
    expect(ask.stderr).toContain("no model is configured");
  });
});
