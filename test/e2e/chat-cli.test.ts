// `warden chat` end to end, line by line from a pipe: the real daemon, the starter policy, the real OpenAI client
// against the protocol-faithful fake model server. Shows tool calls, decisions and approvals as they happen, answers
// an approval inline, streams the answer, and a follow-up carries the earlier turns of the conversation.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, homeWithFakeModel, runWarden } from "../support/cli.js";
import { type FakeReply, type RecordedRequest, startFakeOpenAI } from "../support/fake-openai.js";
import { tempDir } from "../support/tmp.js";

beforeAll(assertBuilt);

const messagesOf = (req: RecordedRequest) =>
  ((req.body as { messages?: { role: string; content: string | null }[] }).messages ?? []).map((m) => ({
    role: m.role,
    content: m.content ?? "",
  }));

describe("warden chat", () => {
  it("follows a conversation from a pipe: tool calls, decisions, an approval answered inline, follow-ups", async () => {
    await using dir = await tempDir();
    await using fake = await startFakeOpenAI({
      script: (req): FakeReply => {
        const msgs = messagesOf(req);
        const last = msgs.at(-1);
        if (last?.role === "user" && last.content === "deploy it")
          return { toolCalls: [{ name: "exec", arguments: JSON.stringify({ argv: ["make", "deploy"] }) }] };
        if (last?.role === "tool") return { content: "Understood, not deploying.", fragmentSize: 3 };
        // The follow-up: answer with what the conversation so far holds.
        const earlier = msgs.filter((m) => m.role === "user" || m.role === "assistant").map((m) => m.content);
        return { content: `Earlier: ${earlier.slice(0, -1).join(" | ")}` };
      },
    });
    const { home, workspace } = await homeWithFakeModel(dir.path, fake.baseUrl);
    expect((await runWarden(["start"], home)).code).toBe(0);

    const chat = await runWarden(["chat", "--workspace", workspace], home, {
      input: "deploy it\nd\nwhat did I ask?\n/quit\n",
      timeoutMs: 60_000,
    });
    expect(chat.stderr).toBe("");
    expect(chat.code).toBe(0);
    const out = chat.stdout;
    expect(out).not.toContain("\u001b["); // no colours on a pipe
    expect(out).toContain("→ exec make deploy");
    expect(out).toMatch(/ {4}ask \(rule [^)]+\)/);
    expect(out).toMatch(/approval ap_\w+ waits: exec make deploy/);
    expect(out).toContain("warden: Understood, not deploying.");
    expect(out).toContain("warden: Earlier: deploy it | Understood, not deploying.");
    // In order: the call, its decision, the approval, the answer, then the follow-up.
    const order = ["→ exec make deploy", "ask (rule", "approval ap_", "Understood", "Earlier:"].map((s) =>
      out.indexOf(s),
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));

    const approvals = JSON.parse((await runWarden(["approvals", "list", "--all", "--json"], home)).stdout);
    expect(approvals[0]).toMatchObject({ state: "denied", reason: "denied in chat" });
    const tasks = JSON.parse((await runWarden(["tasks", "list", "--json"], home)).stdout);
    expect(tasks.map((t: { state: string }) => t.state)).toEqual(["done", "done"]);
    expect(tasks.every((t: { workspace: string }) => t.workspace === workspace)).toBe(true);
    // The follow-up task's request carried the first turn, without its tool call or tool result.
    const follow = messagesOf(
      fake.requests.filter((r) => r.path.endsWith("/chat/completions")).at(-1) as RecordedRequest,
    );
    expect(follow.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
  });

  it("answers the agent's question inline and shows the message it sends", async () => {
    await using dir = await tempDir();
    await using fake = await startFakeOpenAI({
      script: (req): FakeReply => {
        const msgs = messagesOf(req);
        const tools = msgs.filter((m) => m.role === "tool");
        if (tools.length === 0)
          return { toolCalls: [{ name: "ask_owner", arguments: JSON.stringify({ question: "Which branch?" }) }] };
        if (tools.length === 1) {
          const answer = JSON.parse(tools[0]?.content ?? "{}").answer;
          return { toolCalls: [{ name: "send_message", arguments: JSON.stringify({ text: `Deploying ${answer}` }) }] };
        }
        return { content: "Sent." };
      },
    });
    const { home, workspace } = await homeWithFakeModel(dir.path, fake.baseUrl);
    writeFileSync(
      join(home, "policy", "50-ask.yaml"),
      "rules:\n  - id: ask-owner\n    effect: allow\n    reason: questions to the owner\n    match: { tool: ask_owner }\n",
    );
    expect((await runWarden(["start"], home)).code).toBe(0);
    const chat = await runWarden(["chat", "--workspace", workspace], home, {
      input: "deploy something\nmain\n",
      timeoutMs: 60_000,
    });
    expect(chat.stderr).toBe("");
    expect(chat.code).toBe(0);
    expect(chat.stdout).toContain("question Which branch?");
    expect(chat.stdout).toContain("message to owner on cli: Deploying main");
    expect(chat.stdout).toContain("warden: Sent.");
  });

  it("leaves an approval waiting when the input ends, exit 4 with the id", async () => {
    await using dir = await tempDir();
    await using fake = await startFakeOpenAI({
      script: [{ toolCalls: [{ name: "exec", arguments: JSON.stringify({ argv: ["make", "deploy"] }) }] }],
    });
    const { home, workspace } = await homeWithFakeModel(dir.path, fake.baseUrl);
    expect((await runWarden(["start"], home)).code).toBe(0);
    const chat = await runWarden(["chat", "--workspace", workspace], home, { input: "deploy it\n", timeoutMs: 60_000 });
    expect(chat.code).toBe(4);
    expect(chat.stdout).toMatch(
      /No answer \(input ended\): ap_\w+ stays pending; answer it with warden approve ap_\w+/,
    );
    const pending = JSON.parse((await runWarden(["approvals", "list", "--json"], home)).stdout);
    expect(pending).toHaveLength(1);
  });
});
