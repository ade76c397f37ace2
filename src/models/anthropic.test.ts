// The Anthropic provider against the fake Messages API (test/support/fake-anthropic.ts): the request it sends (headers,
// system apart, alternating turns, tool_use and tool_result blocks, broken arguments replayed as an object), the
// stream it reads (text deltas, tool input fragments, usage, stop reasons), and its failures.
import { describe, expect, it } from "vitest";
import { startFakeAnthropic } from "../../test/support/fake-anthropic.js";
import { createAnthropicProvider, toAnthropicMessages } from "./anthropic.js";

const tools = [{ name: "read_file", description: "Read a file", parameters: { type: "object" } }];

describe("anthropic provider", () => {
  it("sends the key and version headers, the system prompt apart, and the tools; streams the text", async () => {
    await using fake = await startFakeAnthropic({ script: [{ text: "Hello from the fake API." }] });
    const p = createAnthropicProvider({ baseUrl: fake.baseUrl, model: "claude-x", apiKey: "sk-ant-1" });
    const shown: string[] = [];
    const r = await p.chat(
      {
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "hi" },
        ],
        tools,
        maxTokens: 100,
      },
      (d) => shown.push(d),
    );
    expect(r).toMatchObject({
      ok: true,
      value: {
        content: "Hello from the fake API.",
        finishReason: "stop",
        usage: { promptTokens: 25, completionTokens: 12 },
      },
    });
    expect(shown.length).toBeGreaterThan(1);
    expect(shown.join("")).toBe("Hello from the fake API.");
    const sent = fake.requests[0]!;
    expect(sent.headers["x-api-key"]).toBe("sk-ant-1");
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toMatchObject({
      model: "claude-x",
      max_tokens: 100,
      system: "Be brief.",
      stream: true,
      messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
      tools: [{ name: "read_file", description: "Read a file", input_schema: { type: "object" } }],
    });
  });

  it("turns a tool round trip into tool_use and tool_result blocks the API accepts, broken arguments included", async () => {
    await using fake = await startFakeAnthropic({ script: [{ text: "ok" }] });
    const p = createAnthropicProvider({ baseUrl: fake.baseUrl, model: "m", apiKey: "k" });
    const r = await p.chat({
      messages: [
        { role: "user", content: "read a and b" },
        {
          role: "assistant",
          content: "reading",
          toolCalls: [
            { id: "call:1", name: "read_file", arguments: '{"path":"a"}' },
            { id: "call:2", name: "read_file", arguments: '{"path": ' },
          ],
        },
        { role: "tool", toolCallId: "call:1", content: "A" },
        { role: "tool", toolCallId: "call:2", content: "error: arguments are not JSON" },
      ],
      tools,
    });
    expect(r.ok, r.ok ? "" : r.error.message).toBe(true);
    expect(fake.requests[0]!.body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "read a and b" }] },
      {
        role: "assistant",
        content: [
          { type: "text", text: "reading" },
          { type: "tool_use", id: "call_1", name: "read_file", input: { path: "a" } },
          { type: "tool_use", id: "call_2", name: "read_file", input: { _invalid_json: '{"path": ' } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "call_1", content: "A" },
          { type: "tool_result", tool_use_id: "call_2", content: "error: arguments are not JSON" },
        ],
      },
    ]);
  });

  it("joins streamed tool input fragments into raw arguments, several calls in one answer", async () => {
    await using fake = await startFakeAnthropic({
      script: [
        {
          text: "Let me look.",
          toolUses: [
            { name: "read_file", input: '{"path": "notes/today.txt"}' },
            { name: "list_dir", input: "" },
          ],
        },
      ],
    });
    const p = createAnthropicProvider({ baseUrl: fake.baseUrl, model: "m", apiKey: "k" });
    const r = await p.chat({ messages: [{ role: "user", content: "go" }], tools });
    expect(r).toMatchObject({ ok: true, value: { content: "Let me look.", finishReason: "tool_calls" } });
    const calls = r.ok ? r.value.toolCalls : [];
    expect(calls.map((c) => [c.name, c.arguments])).toEqual([
      ["read_file", '{"path": "notes/today.txt"}'],
      ["list_dir", "{}"],
    ]);
    expect(calls[0]?.id).toMatch(/^toolu_/);
  });

  it("reports HTTP errors with the API's message, a cut stream, a hang past the deadline, and an abort", async () => {
    await using fake = await startFakeAnthropic({
      script: [
        { status: 401, type: "authentication_error", message: "invalid x-api-key" },
        { cut: true },
        { hang: true },
        { hang: true },
        { text: "length", stopReason: "max_tokens" },
      ],
    });
    const p = createAnthropicProvider({ baseUrl: fake.baseUrl, model: "m", apiKey: "k", timeoutMs: 500 });
    const ask = { messages: [{ role: "user" as const, content: "hi" }], tools: [] };
    const denied = await p.chat(ask);
    expect(denied).toMatchObject({ ok: false, error: { code: "MODEL_FAILED", details: { data: { status: 401 } } } });
    expect(!denied.ok && denied.error.message).toContain("invalid x-api-key");
    const cut = await p.chat(ask);
    expect(cut).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
    expect(!cut.ok && cut.error.message).toMatch(/ended before the message did/);
    expect(await p.chat(ask)).toMatchObject({ ok: false, error: { code: "TIMEOUT" } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    expect(await p.chat({ ...ask, signal: controller.signal })).toMatchObject({
      ok: false,
      error: { code: "INTERRUPTED" },
    });
    expect(await p.chat(ask)).toMatchObject({ ok: true, value: { finishReason: "length" } });
  });

  it("starts with a user turn and makes foreign tool ids fit the API's pattern", () => {
    const { turns } = toAnthropicMessages([
      { role: "assistant", content: "", toolCalls: [{ id: "a.b/c", name: "t", arguments: "{}" }] },
      { role: "tool", toolCallId: "a.b/c", content: "x" },
    ]);
    expect(turns[0]).toEqual({ role: "user", content: [{ type: "text", text: "(continue)" }] });
    expect(turns[1]?.content[0]).toMatchObject({ type: "tool_use", id: "a_b_c" });
    expect(turns[2]?.content[0]).toMatchObject({ type: "tool_result", tool_use_id: "a_b_c" });
  });
});
