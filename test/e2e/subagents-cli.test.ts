import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, homeWithFakeModel, runWarden } from "../support/cli.js";
import { type FakeReply, startFakeOpenAI } from "../support/fake-openai.js";
import { tempDir } from "../support/tmp.js";

beforeAll(assertBuilt);

const call = (name: string, args: unknown): FakeReply => ({ toolCalls: [{ name, arguments: JSON.stringify(args) }] });

// The starter policy already lets the agent ask its owner (rule ask-the-owner); this test adds sub-agents.
const RULES = `
rules:
  - id: sub-agents-allowed
    effect: allow
    reason: Sub-agents run on their own in this test.
    match: { tool: spawn_agent }
`;

const show = async (home: string, id: string) =>
  JSON.parse((await runWarden(["tasks", "show", id, "--json"], home)).stdout);

describe("ask_owner, spawn_agent and send_message through the daemon", () => {
  it("a question waits across a restart and the owner's answer reaches the model", async () => {
    await using dir = await tempDir();
    await using fake = await startFakeOpenAI({
      script: [call("ask_owner", { question: "Which colour?" }), { content: "Painting it blue." }],
    });
    const { home } = await homeWithFakeModel(dir.path, fake.baseUrl, { policy: RULES });
    expect((await runWarden(["start"], home)).code).toBe(0);

    const ask = await runWarden(["ask", "paint the shed", "--json"], home, { timeoutMs: 60_000 });
    expect(ask.code).toBe(4);
    const waiting = JSON.parse(ask.stdout);
    expect(waiting).toMatchObject({
      state: "waiting_approval",
      question: expect.stringMatching(/^q_/),
      text: "Which colour?",
    });

    expect((await runWarden(["stop"], home)).code).toBe(0);
    expect((await runWarden(["start"], home)).code).toBe(0);
    const after = await show(home, waiting.task);
    expect(after.state).toBe("waiting_approval");
    expect(after.questions).toMatchObject([{ id: waiting.question, state: "pending", text: "Which colour?" }]);

    const wrong = await runWarden(["answer", "q_nope", "red"], home);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("no pending question q_nope");
    const answer = await runWarden(["answer", waiting.task, "blue, please"], home);
    expect(answer.stderr).toBe("");
    expect(answer.code).toBe(0);
    await expect.poll(async () => (await show(home, waiting.task)).state, { timeout: 20_000 }).toBe("done");
    const done = await show(home, waiting.task);
    expect(done.result).toBe("Painting it blue.");
    expect(done.questions).toMatchObject([{ state: "answered", answer: "blue, please" }]);
    expect(JSON.stringify(fake.chatBodies().at(-1))).toContain("blue, please");
    // Asked once: the resumed call waited on the same question.
    expect(fake.chatBodies()).toHaveLength(2);
  });

  it("a sub-agent messages the owner and reports back; tasks show has the tree", async () => {
    await using dir = await tempDir();
    await using fake = await startFakeOpenAI({
      script: [
        call("spawn_agent", { task: "count to three" }),
        call("send_message", { channel: "cli", to: "owner", text: "counting now" }),
        { content: "one two three" },
        { content: "The sub-agent said: one two three" },
      ],
    });
    const { home } = await homeWithFakeModel(dir.path, fake.baseUrl, { policy: RULES });
    expect((await runWarden(["start"], home)).code).toBe(0);
    const ask = await runWarden(["ask", "delegate the counting", "--json"], home, { timeoutMs: 60_000 });
    expect(ask.stderr).toBe("");
    const reply = JSON.parse(ask.stdout);
    expect(reply).toMatchObject({ state: "done", text: "The sub-agent said: one two three" });

    const parent = await show(home, reply.task);
    expect(parent.children).toHaveLength(1);
    const child = await show(home, parent.children[0].id);
    expect([child.parent, child.state, child.result]).toEqual([reply.task, "done", "one two three"]);
    const text = (await runWarden(["tasks", "show", reply.task], home)).stdout;
    expect(text).toContain(`sub-agent ${child.id}`);

    // The sub-agent's second turn saw its message delivered on the owner's channel.
    expect(JSON.stringify(fake.chatBodies()[2])).toMatch(/\\"sent\\":\\"m_/);
  });

  it("a sub-agent's question reaches warden ask, and its answer flows back up the tree", async () => {
    await using dir = await tempDir();
    await using fake = await startFakeOpenAI({
      script: [
        call("spawn_agent", { task: "find out the deadline" }),
        call("ask_owner", { question: "When is the deadline?" }),
        { content: "Friday" },
        { content: "The deadline is Friday." },
      ],
    });
    const { home } = await homeWithFakeModel(dir.path, fake.baseUrl, { policy: RULES });
    expect((await runWarden(["start"], home)).code).toBe(0);
    const ask = await runWarden(["ask", "plan the week", "--json"], home, { timeoutMs: 60_000 });
    expect(ask.code).toBe(4);
    const waiting = JSON.parse(ask.stdout);
    expect(waiting).toMatchObject({ state: "waiting_approval", text: "When is the deadline?" });
    expect(waiting.asker).not.toBe(waiting.task);
    expect((await show(home, waiting.asker)).parent).toBe(waiting.task);
    expect((await show(home, waiting.task)).children).toMatchObject([{ id: waiting.asker, children: [] }]);

    expect((await runWarden(["answer", waiting.question, "Friday"], home)).code).toBe(0);
    await expect.poll(async () => (await show(home, waiting.task)).state, { timeout: 20_000 }).toBe("done");
    expect((await show(home, waiting.task)).result).toBe("The deadline is Friday.");
  });
});
