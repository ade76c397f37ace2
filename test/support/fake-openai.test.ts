import { describe, expect, it } from "vitest";
import { startFakeOpenAI } from "./fake-openai.js";

const post = (url: string, body: unknown) =>
  fetch(`${url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("fake OpenAI server", () => {
  it("answers without streaming like OpenAI, and records the request", async () => {
    await using fake = await startFakeOpenAI({
      script: [{ content: "hi", toolCalls: [{ id: "c", name: "f", arguments: "{}" }] }],
    });
    const res = await post(fake.baseUrl, { model: "m", messages: [{ role: "user", content: "x" }] });
    const json = (await res.json()) as Record<string, unknown>;
    expect(json).toMatchObject({
      object: "chat.completion",
      model: "m",
      choices: [
        {
          message: {
            role: "assistant",
            content: "hi",
            tool_calls: [{ id: "c", function: { name: "f", arguments: "{}" } }],
          },
          finish_reason: "tool_calls",
        },
      ],
      usage: { prompt_tokens: expect.any(Number) },
    });
    expect(fake.chatBodies()).toEqual([{ model: "m", messages: [{ role: "user", content: "x" }] }]);
  });

  it("streams SSE chunks ending in [DONE], usage only when asked for", async () => {
    await using fake = await startFakeOpenAI({ script: [{ content: "abcdef", fragmentSize: 3 }, { content: "x" }] });
    const withUsage = await (
      await post(fake.baseUrl, { model: "m", stream: true, stream_options: { include_usage: true }, messages: [] })
    ).text();
    const events = withUsage.trim().split("\n\n");
    expect(events.at(-1)).toBe("data: [DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, "")));
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? null)).toEqual(["", "abc", "def", null, null]);
    expect(chunks.at(-1).usage).toMatchObject({ completion_tokens: 2 });
    const without = await (await post(fake.baseUrl, { model: "m", stream: true, messages: [] })).text();
    expect(without).not.toContain("usage");
  });

  it("answers 500 when the script runs out, and 404 off its routes", async () => {
    await using fake = await startFakeOpenAI();
    expect((await post(fake.baseUrl, { messages: [] })).status).toBe(500);
    expect((await fetch(`${fake.baseUrl}/embeddings`)).status).toBe(404);
  });
});
