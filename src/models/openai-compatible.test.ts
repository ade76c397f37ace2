import { describe, expect, it } from "vitest";
import { startFakeOpenAI } from "../../test/support/fake-openai.js";
import { createOpenAICompatibleProvider } from "./openai-compatible.js";
import type { ChatRequest, ToolSpec } from "./types.js";

const readFile: ToolSpec = {
  name: "read_file",
  description: "Read a file",
  parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
};
const listDir: ToolSpec = { name: "list_dir", description: "List a folder", parameters: { type: "object" } };

const ask = (extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [
    { role: "system", content: "You are Warden." },
    { role: "user", content: "hello" },
  ],
  tools: [readFile, listDir],
  ...extra,
});

describe("OpenAI-compatible provider: answers", () => {
  it("streams text, reports usage, and sends a plain request without tool_choice", async () => {
    await using fake = await startFakeOpenAI({
      script: [{ content: "Hello there, owner.", usage: { prompt_tokens: 12, completion_tokens: 5 } }],
    });
    const provider = createOpenAICompatibleProvider({ baseUrl: fake.baseUrl, model: "qwen2.5" });
    const deltas: string[] = [];
    const r = await provider.chat(ask({ maxTokens: 64 }), (d) => deltas.push(d));
    expect(r).toEqual({
      ok: true,
      value: {
        content: "Hello there, owner.",
        toolCalls: [],
        usage: { promptTokens: 12, completionTokens: 5 },
        finishReason: "stop",
      },
    });
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe("Hello there, owner.");
    expect(provider.id).toBe(`openai-compatible:${fake.baseUrl}#qwen2.5`);
    const [body] = fake.chatBodies();
    expect(body).toMatchObject({ model: "qwen2.5", stream: true, max_tokens: 64 });
    expect(body).not.toHaveProperty("tool_choice");
    expect(body?.tools).toEqual([
      {
        type: "function",
        function: { name: "read_file", description: "Read a file", parameters: readFile.parameters },
      },
      {
        type: "function",
        function: { name: "list_dir", description: "List a folder", parameters: { type: "object" } },
      },
    ]);
  });

  it("leaves tools out of the request when none are offered", async () => {
    await using fake = await startFakeOpenAI({ script: [{ content: "ok" }] });
    const provider = createOpenAICompatibleProvider({ baseUrl: fake.baseUrl, model: "m" });
    expect((await provider.chat(ask({ tools: [] }))).ok).toBe(true);
    expect(fake.chatBodies()[0]).not.toHaveProperty("tools");
  });

  it("joins tool calls streamed in fragments by index, arguments kept as raw text", async () => {
    const args1 = '{"path": "notes/todo.md"}';
    const args2 = '{"path": "src", "oops": ';
    await using fake = await startFakeOpenAI({
      script: [
        {
          fragmentSize: 3,
          toolCalls: [
            { id: "call_a", name: "read_file", arguments: args1 },
            { id: "call_b", name: "list_dir", arguments: args2 },
          ],
        },
      ],
    });
    const provider = createOpenAICompatibleProvider({ baseUrl: fake.baseUrl, model: "m" });
    const r = await provider.chat(ask());
    expect(r.ok && r.value.toolCalls).toEqual([
      { id: "call_a", name: "read_file", arguments: args1 },
      { id: "call_b", name: "list_dir", arguments: args2 },
    ]);
    expect(r.ok && r.value.finishReason).toBe("tool_calls");
  });

  it("tells whole calls apart by id when a server sends them all at index 0 (Ollama)", async () => {
    await using fake = await startFakeOpenAI({
      script: [
        {
          sameIndex: true,
          finishReason: "stop",
          toolCalls: [
            { id: "c1", name: "read_file", arguments: '{"path":"a"}' },
            { id: "c2", name: "read_file", arguments: '{"path":"b"}' },
          ],
        },
      ],
    });
    const r = await createOpenAICompatibleProvider({ baseUrl: fake.baseUrl, model: "m" }).chat(ask());
    expect(r.ok && r.value.toolCalls.map((c) => [c.id, c.arguments])).toEqual([
      ["c1", '{"path":"a"}'],
      ["c2", '{"path":"b"}'],
    ]);
    expect(r.ok && r.value.finishReason).toBe("tool_calls");
  });

  it("recovers a tool call written as text and never shows that text as the answer", async () => {
    const text = 'Let me look.\n<tool_call>\n{"name": "read_file", "arguments": {"path": "a.txt"}}\n</tool_call>';
    await using fake = await startFakeOpenAI({ script: [{ content: text, fragmentSize: 2 }] });
    const deltas: string[] = [];
    const r = await createOpenAICompatibleProvider({ baseUrl: fake.baseUrl, model: "m" }).chat(ask(), (d) =>
      deltas.push(d),
    );
    expect(r.ok && r.value).toMatchObject({
      content: "Let me look.",
      toolCalls: [{ name: "read_file", arguments: '{"path":"a.txt"}' }],
      finishReason: "tool_calls",
      toolCallsFromText: true,
    });
    expect(deltas.join("")).toBe("Let me look.\n");
  });

  it("recovers a bare JSON answer naming an offered tool, and leaves one naming another tool as text", async () => {
    const call = '{"name": "list_dir", "arguments": {"path": "."}}';
    const other = '{"name": "exec", "arguments": {"argv": ["rm", "-rf", "/"]}}';
    await using fake = await startFakeOpenAI({ script: [{ content: call }, { content: other }] });
    const provider = createOpenAICompatibleProvider({ baseUrl: fake.baseUrl, model: "m" });
    const shown: string[] = [];
    const a = await provider.chat(ask(), (d) => shown.push(d));
    expect(a.ok && a.value.toolCalls).toEqual([{ id: "call_text_0", name: "list_dir", arguments: '{"path":"."}' }]);
    expect(shown).toEqual([]);
    const b = await provider.chat(ask(), (d) => shown.push(d));
    expect(b.ok && b.value).toMatchObject({ content: other, toolCalls: [], finishReason: "stop" });
    expect(shown.join("")).toBe(other);
  });

  it("asks again without streaming when a server refuses tools with streaming (older llama.cpp), and remembers", async () => {
    const call = { id: "c1", name: "read_file", arguments: '{"path":"a"}' };
    await using fake = await startFakeOpenAI({
      script: (req) => {
        const body = req.body as { stream?: boolean; tools?: unknown[] };
        if (body.stream && body.tools) {
          return { status: 500, body: '{"error":{"code":500,"message":"Cannot use tools with stream"}}' };
        }
        return body.tools ? { content: "", toolCalls: [call] } : { content: "plain" };
      },
    });
    const provider = createOpenAICompatibleProvider({ baseUrl: fake.baseUrl, model: "m" });
    const first = await provider.chat(ask());
    expect(first.ok && first.value).toMatchObject({ toolCalls: [call], finishReason: "tool_calls" });
    expect(first.ok && first.value.usage.promptTokens).toBeGreaterThan(0);
    const second = await provider.chat(ask());
    expect(second.ok && second.value.toolCalls).toEqual([call]);
    const third = await provider.chat(ask({ tools: [] }));
    expect(third.ok && third.value.content).toBe("plain");
    expect(fake.chatBodies().map((b) => b.stream)).toEqual([true, false, false, true]);
  });

  it("estimates usage when the server reports none", async () => {
    await using fake = await startFakeOpenAI({ script: [{ content: "twelve chars", usage: null }] });
    const r = await createOpenAICompatibleProvider({ baseUrl: fake.baseUrl, model: "m" }).chat(ask());
    expect(r.ok && r.value.usageEstimated).toBe(true);
    expect(r.ok && r.value.usage.completionTokens).toBe(3);
    expect(r.ok && r.value.usage.promptTokens).toBeGreaterThan(0);
  });
});

describe("OpenAI-compatible provider: what the server sees", () => {
  it("replays tool calls and results, wrapping arguments that were not JSON", async () => {
    await using fake = await startFakeOpenAI({ script: [{ content: "done" }] });
    const provider = createOpenAICompatibleProvider({ baseUrl: fake.baseUrl, model: "m" });
    await provider.chat(
      ask({
        messages: [
          { role: "user", content: "read two files" },
          {
            role: "assistant",
            content: "",
            toolCalls: [
              { id: "c1", name: "read_file", arguments: '{"path":"a"}' },
              { id: "c2", name: "read_file", arguments: '{"path":' },
            ],
          },
          { role: "tool", toolCallId: "c1", content: "contents of a" },
          { role: "tool", toolCallId: "c2", content: "error: arguments are not valid JSON" },
        ],
      }),
    );
    expect(fake.chatBodies()[0]?.messages).toEqual([
      { role: "user", content: "read two files" },
      {
        role: "assistant",
        content: "",
        tool_calls: [
          { id: "c1", type: "function", function: { name: "read_file", arguments: '{"path":"a"}' } },
          {
            id: "c2",
            type: "function",
            function: { name: "read_file", arguments: '{"_invalid_json":"{\\"path\\":"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "c1", content: "contents of a" },
      { role: "tool", tool_call_id: "c2", content: "error: arguments are not valid JSON" },
    ]);
  });

  it("sends no Authorization header without a key, even with OPENAI_API_KEY in the environment", async () => {
    await using fake = await startFakeOpenAI({ script: [{ content: "a" }, { content: "b" }] });
    const saved = process.env.OPENAI_API_KEY;
    const savedHeaders = process.env.OPENAI_CUSTOM_HEADERS;
    process.env.OPENAI_API_KEY = "sk-environment-secret";
    process.env.OPENAI_CUSTOM_HEADERS = "X-Leak: sk-header-secret";
    try {
      const anonymous = createOpenAICompatibleProvider({ baseUrl: fake.baseUrl, model: "m" });
      expect((await anonymous.chat(ask())).ok).toBe(true);
      const keyed = createOpenAICompatibleProvider({ baseUrl: fake.baseUrl, model: "m", apiKey: "local-key" });
      expect((await keyed.chat(ask())).ok).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
      if (savedHeaders === undefined) delete process.env.OPENAI_CUSTOM_HEADERS;
      else process.env.OPENAI_CUSTOM_HEADERS = savedHeaders;
    }
    for (const r of fake.requests) {
      expect(Object.keys(r.headers).filter((h) => h.startsWith("x-"))).toEqual([]);
      expect(JSON.stringify(r.headers)).not.toContain("secret");
    }
    expect(fake.requests[0]?.headers.authorization).toBeUndefined();
    expect(fake.requests[1]?.headers.authorization).toBe("Bearer local-key");
    expect(fake.requests.map((r) => r.rawBody).join("")).not.toContain("sk-environment-secret");
  });
});
