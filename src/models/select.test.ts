import { describe, expect, it } from "vitest";
import { startFakeOpenAI } from "../../test/support/fake-openai.js";
import { err, ok, WardenError } from "../errors.js";
import { selectModelProvider } from "./select.js";

describe("selectModelProvider", () => {
  it("builds the configured provider, with the API key resolved from its handle", async () => {
    await using fake = await startFakeOpenAI({ script: [{ content: "hi" }] });
    const asked: string[] = [];
    const r = await selectModelProvider(
      { provider: "openai-compatible", baseUrl: fake.baseUrl, model: "qwen2.5", apiKey: "secret:LOCAL_KEY" },
      {
        resolveSecret: async (name) => {
          asked.push(name);
          return ok("k-123");
        },
      },
    );
    expect(r.ok && r.value.kind).toBe("configured");
    expect(asked).toEqual(["LOCAL_KEY"]);
    const provider = r.ok && r.value.kind !== "none" ? r.value.provider : undefined;
    expect(provider?.id).toBe(`openai-compatible:${fake.baseUrl}#qwen2.5`);
    expect((await provider?.chat({ messages: [], tools: [] }))?.ok).toBe(true);
    expect(fake.requests[0]?.headers.authorization).toBe("Bearer k-123");
  });

  it("refuses a literal key, a missing secret, and a provider without a URL", async () => {
    const base = { provider: "openai-compatible" as const, baseUrl: "http://127.0.0.1:1/v1", model: "m" };
    expect(await selectModelProvider({ ...base, apiKey: "sk-literal" })).toMatchObject({
      ok: false,
      error: { code: "CONFIG_INVALID" },
    });
    const missing = async () => err(new WardenError("SECRET_NOT_FOUND", "no such secret"));
    expect(await selectModelProvider({ ...base, apiKey: "secret:NOPE" }, { resolveSecret: missing })).toMatchObject({
      ok: false,
      error: { code: "SECRET_NOT_FOUND" },
    });
    expect(await selectModelProvider({ provider: "openai-compatible", model: "m" })).toMatchObject({
      ok: false,
      error: { code: "CONFIG_INVALID" },
    });
  });

  it("without a configured provider: off, or the first local server that answers when asked to look", async () => {
    expect(await selectModelProvider({ provider: "none" })).toMatchObject({ ok: true, value: { kind: "none" } });
    await using fake = await startFakeOpenAI({ models: ["llama3.2", "qwen2.5"] });
    const candidates = [{ name: "ollama", baseUrl: fake.baseUrl }];
    const first = await selectModelProvider(
      { provider: "none" },
      { autoDetect: true, candidates, probeTimeoutMs: 3_000 },
    );
    expect(first).toMatchObject({ ok: true, value: { kind: "detected", model: "llama3.2", server: candidates[0] } });
    const preferred = await selectModelProvider(
      { provider: "none", model: "qwen2.5" },
      { autoDetect: true, candidates, probeTimeoutMs: 3_000 },
    );
    expect(preferred).toMatchObject({ ok: true, value: { kind: "detected", model: "qwen2.5" } });
  });

  it("says what it tried when no local server answers or one serves no model", async () => {
    await using empty = await startFakeOpenAI({ models: [] });
    const r = await selectModelProvider(
      { provider: "none" },
      { autoDetect: true, probeTimeoutMs: 3_000, candidates: [{ name: "vllm", baseUrl: empty.baseUrl }] },
    );
    expect(r).toMatchObject({ ok: true, value: { kind: "none" } });
    expect(r.ok && r.value.detail).toContain("serves no model");
    const none = await selectModelProvider(
      { provider: "none" },
      { autoDetect: true, fetch: async () => new Response("nope", { status: 404 }) },
    );
    expect(none.ok && none.value.kind === "none" && none.value.probe?.attempts).toHaveLength(3);
  });
});
