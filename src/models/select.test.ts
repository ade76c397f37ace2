import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startFakeOpenAI } from "../../test/support/fake-openai.js";
import { writeTinyLlamaGguf } from "../../test/support/gguf.js";
import { tempDir } from "../../test/support/tmp.js";
import { err, ok, WardenError } from "../errors.js";
import { engineDirs } from "./engine.js";
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

  it("embedded: the file in <home>/models, else a clear error; the engine must be installed", async () => {
    await using home = await tempDir();
    const engine = { engineDirs: engineDirs(undefined) };
    const missing = await selectModelProvider({ provider: "embedded" }, { homeRoot: home.path, ...engine });
    expect(missing).toMatchObject({ ok: false, error: { code: "CONFIG_INVALID" } });
    expect(!missing.ok && missing.error.details.fix).toContain("warden model pull");

    mkdirSync(join(home.path, "models"));
    await writeTinyLlamaGguf(join(home.path, "models", "tiny.gguf"));
    const found = await selectModelProvider({ provider: "embedded" }, { homeRoot: home.path, ...engine });
    expect(found).toMatchObject({ ok: true, value: { kind: "configured" } });
    expect(found.ok && found.value.kind !== "none" && found.value.provider.id).toBe("embedded:tiny.gguf");
    const named = await selectModelProvider(
      { provider: "embedded", path: "other.gguf" },
      { homeRoot: home.path, ...engine },
    );
    expect(named.ok).toBe(false);

    const noEngine = await selectModelProvider(
      { provider: "embedded" },
      { homeRoot: home.path, engineDirs: [join(home.path, "none")] },
    );
    expect(noEngine).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
    expect(!noEngine.ok && noEngine.error.details.fix).toContain("warden model engine install");
  });

  it("looks for a local server first, then the embedded engine with a model file", async () => {
    await using home = await tempDir();
    const deps = {
      homeRoot: home.path,
      engineDirs: engineDirs(undefined),
      autoDetect: true,
      fetch: async () => new Response("nope", { status: 404 }),
    };
    const none = await selectModelProvider({ provider: "none" }, deps);
    expect(none).toMatchObject({ ok: true, value: { kind: "none" } });
    expect(none.ok && none.value.kind === "none" && none.value.embedded).toMatch(/no model file/);
    mkdirSync(join(home.path, "models"));
    await writeTinyLlamaGguf(join(home.path, "models", "tiny.gguf"));
    const r = await selectModelProvider({ provider: "none" }, deps);
    expect(r).toMatchObject({ ok: true, value: { kind: "embedded", path: join(home.path, "models", "tiny.gguf") } });
    expect(r.ok && r.value.detail).toMatch(/no local server answered.*embedded engine/);
  });

  it("cloud providers need cloud: true, a model and a key handle, and say the prompts leave the machine", async () => {
    const key = async () => ok("sk-test");
    const off = await selectModelProvider(
      { provider: "openai", model: "gpt-x", apiKey: "secret:OPENAI" },
      { resolveSecret: key },
    );
    expect(off).toMatchObject({ ok: false, error: { code: "CONFIG_INVALID" } });
    expect(!off.ok && off.error.details.fix).toContain("model.cloud: true");
    const noKey = await selectModelProvider(
      { provider: "openai", model: "gpt-x", cloud: true },
      { resolveSecret: key },
    );
    expect(noKey).toMatchObject({ ok: false, error: { code: "CONFIG_INVALID" } });
    const on = await selectModelProvider(
      { provider: "openai", model: "gpt-x", apiKey: "secret:OPENAI", cloud: true },
      { resolveSecret: key },
    );
    expect(on).toMatchObject({ ok: true, value: { kind: "configured" } });
    expect(on.ok && on.value.kind !== "none" && on.value.provider.id).toBe(
      "openai-compatible:https://api.openai.com/v1#gpt-x",
    );
    expect(on.ok && on.value.detail).toMatch(/CLOUD.*leave this machine/);
    const anthropic = await selectModelProvider(
      { provider: "anthropic", model: "claude-x", apiKey: "secret:ANTHROPIC", cloud: true },
      { resolveSecret: key },
    );
    expect(anthropic.ok && anthropic.value.kind !== "none" && anthropic.value.provider.id).toBe(
      "anthropic:https://api.anthropic.com/v1#claude-x",
    );
  });
});
