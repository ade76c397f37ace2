import { describe, expect, it } from "vitest";
import { type FakeReply, startFakeOpenAI } from "../../test/support/fake-openai.js";
import { closedPort } from "../../test/support/net.js";
import { createOpenAICompatibleProvider } from "./openai-compatible.js";
import type { ChatRequest } from "./types.js";

const ask = (extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [{ role: "user", content: "hello" }],
  tools: [{ name: "read_file", description: "Read a file", parameters: { type: "object" } }],
  ...extra,
});

async function chatWith(reply: FakeReply, timeoutMs = 10_000) {
  await using fake = await startFakeOpenAI({ script: () => reply });
  const provider = createOpenAICompatibleProvider({ baseUrl: fake.baseUrl, model: "m", timeoutMs });
  const result = await provider.chat(ask());
  return { result, requests: fake.requests.length };
}

describe("OpenAI-compatible provider: failures are values, never throws, never hangs", () => {
  it("an HTTP 500 is MODEL_FAILED with the status, asked again once without streaming, no more", async () => {
    const { result, requests } = await chatWith({ status: 500, body: '{"error":{"message":"model crashed"}}' });
    expect(result).toMatchObject({ ok: false, error: { code: "MODEL_FAILED", details: { data: { status: 500 } } } });
    expect(!result.ok && result.error.message).toContain("500");
    expect(requests).toBe(2);
  });

  it("a garbage answer to the retry without streaming is MODEL_FAILED", async () => {
    for (const garbage of ["not json at all", '{"choices": "nonsense"}', '{"choices": []}']) {
      await using fake = await startFakeOpenAI({
        script: (req) => ((req.body as { stream?: boolean }).stream ? { status: 500 } : { rawSse: garbage }),
      });
      const r = await createOpenAICompatibleProvider({ baseUrl: fake.baseUrl, model: "m" }).chat(ask());
      expect(r, garbage).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
    }
  });

  it("without tools an HTTP 500 is not retried", async () => {
    await using fake = await startFakeOpenAI({ script: () => ({ status: 500 }) });
    const provider = createOpenAICompatibleProvider({ baseUrl: fake.baseUrl, model: "m" });
    expect(await provider.chat(ask({ tools: [] }))).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
    expect(fake.requests).toHaveLength(1);
  });

  it("keeps a long error page out of the message", async () => {
    const page = `<html>${"<p>proxy error</p>\n".repeat(500)}</html>`;
    const { result } = await chatWith({ status: 502, body: page });
    expect(result).toMatchObject({ ok: false, error: { code: "MODEL_FAILED", details: { data: { status: 502 } } } });
    expect(!result.ok && result.error.message.length).toBeLessThan(500);
    expect(!result.ok && result.error.message).not.toContain("\n");
  });

  it("an HTTP 400 (vLLM without tool support) is MODEL_FAILED with a fix", async () => {
    const { result } = await chatWith({ status: 400, body: '{"error":{"message":"auto tool choice not enabled"}}' });
    expect(result).toMatchObject({ ok: false, error: { code: "MODEL_FAILED", details: { data: { status: 400 } } } });
    expect(!result.ok && result.error.details.fix).toContain("--enable-auto-tool-choice");
  });

  it("a server that does not answer in time is TIMEOUT", async () => {
    const { result } = await chatWith({ content: "late", delayMs: 3_000 }, 150);
    expect(result).toMatchObject({ ok: false, error: { code: "TIMEOUT" } });
  });

  it("a stream that stalls halfway is TIMEOUT: the deadline covers the whole call", async () => {
    const { result } = await chatWith({ content: "a long answer that stops", stallAfterChunks: 3 }, 300);
    expect(result).toMatchObject({ ok: false, error: { code: "TIMEOUT" } });
  });

  it("a stream cut halfway is MODEL_FAILED", async () => {
    const { result } = await chatWith({ content: "a long answer that breaks", cutAfterChunks: 3 });
    expect(result).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
    expect(!result.ok && result.error.details.data?.chunks).toBeGreaterThan(0);
  });

  it("a stream that ends cleanly without a finish reason is MODEL_FAILED (incomplete)", async () => {
    const { result } = await chatWith({ content: "half an answ", finishReason: null });
    expect(result).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
    expect(!result.ok && result.error.message).toContain("before the answer was complete");
  });

  it("invalid JSON in the SSE stream is MODEL_FAILED", async () => {
    const { result } = await chatWith({ rawSse: 'data: {"choices": [{"delta": {"content": "hi"\n\ndata: [DONE]\n\n' });
    expect(result).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
  });

  it("chunks of the wrong shape are MODEL_FAILED", async () => {
    const { result } = await chatWith({ rawSse: 'data: {"choices": "nonsense"}\n\ndata: [DONE]\n\n' });
    expect(result).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
  });

  it("a body that is not SSE at all is MODEL_FAILED", async () => {
    const { result } = await chatWith({ rawSse: "<html><body>It works!</body></html>" });
    expect(result).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
  });

  it("an error object inside the stream is MODEL_FAILED", async () => {
    const { result } = await chatWith({ rawSse: 'data: {"error": {"message": "out of memory"}}\n\n' });
    expect(result).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
  });

  it("an answer larger than the limits is MODEL_FAILED, for text and for tool calls", async () => {
    await using fake = await startFakeOpenAI({
      script: [
        { content: "x".repeat(5_000), fragmentSize: 100 },
        { toolCalls: Array.from({ length: 5 }, (_, i) => ({ name: "read_file", arguments: `{"i":${i}}` })) },
      ],
    });
    const provider = createOpenAICompatibleProvider({
      baseUrl: fake.baseUrl,
      model: "m",
      limits: { maxChars: 1_000, maxToolCalls: 3 },
    });
    for (let i = 0; i < 2; i++) {
      expect(await provider.chat(ask())).toMatchObject({
        ok: false,
        error: { code: "MODEL_FAILED", details: { data: { maxChars: 1_000, maxToolCalls: 3 } } },
      });
    }
  });

  it("nothing listening is MODEL_FAILED with a fix", async () => {
    const port = await closedPort();
    const provider = createOpenAICompatibleProvider({ baseUrl: `http://127.0.0.1:${port}/v1`, model: "m" });
    const r = await provider.chat(ask());
    expect(r).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
    expect(!r.ok && r.error.details.fix).toEqual(expect.stringMatching(/\S/));
  });

  it("a fetch that throws synchronously is MODEL_FAILED, not a throw", async () => {
    const provider = createOpenAICompatibleProvider({
      baseUrl: "http://127.0.0.1:9/v1",
      model: "m",
      fetch: () => {
        throw new TypeError("fetch exploded");
      },
    });
    expect(await provider.chat(ask())).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
  });

  it("the caller's signal cancels a stream in progress: INTERRUPTED", async () => {
    await using fake = await startFakeOpenAI({ script: [{ content: "never finishes", stallAfterChunks: 2 }] });
    const provider = createOpenAICompatibleProvider({ baseUrl: fake.baseUrl, model: "m", timeoutMs: 20_000 });
    const controller = new AbortController();
    const pending = provider.chat(ask({ signal: controller.signal }));
    while (fake.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    expect(await pending).toMatchObject({ ok: false, error: { code: "INTERRUPTED" } });
  });

  it("an already aborted signal sends nothing", async () => {
    await using fake = await startFakeOpenAI({ script: [{ content: "x" }] });
    const provider = createOpenAICompatibleProvider({ baseUrl: fake.baseUrl, model: "m" });
    const r = await provider.chat(ask({ signal: AbortSignal.abort() }));
    expect(r).toMatchObject({ ok: false, error: { code: "INTERRUPTED" } });
    expect(fake.requests).toHaveLength(0);
  });
});

describe("OpenAI-compatible provider: probe", () => {
  it("lists the server's models", async () => {
    await using fake = await startFakeOpenAI({ models: ["qwen2.5:3b", "llama3.2"] });
    const provider = createOpenAICompatibleProvider({ baseUrl: `${fake.baseUrl}/`, model: "m", apiKey: "k" });
    expect(await provider.probe()).toEqual({ ok: true, value: { models: ["qwen2.5:3b", "llama3.2"] } });
    expect(fake.requests[0]).toMatchObject({ method: "GET", path: "/v1/models" });
    expect(fake.requests[0]?.headers.authorization).toBe("Bearer k");
  });

  it("an error or a non-model answer is MODEL_FAILED", async () => {
    await using failing = await startFakeOpenAI({ models: { status: 503 } });
    await using html = await startFakeOpenAI({ models: { body: '{"hello": "world"}' } });
    for (const baseUrl of [failing.baseUrl, html.baseUrl]) {
      const r = await createOpenAICompatibleProvider({ baseUrl, model: "m" }).probe();
      expect(r).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
    }
  });
});
