// The embedded provider with the real engine (node-llama-cpp, installed in engine/ by `node bin/warden.js model engine
// install --dir engine`) and a tiny random-weight GGUF the test writes itself: loading, tokenizer, ChatML template,
// sampling, function-call prompt, grammar, abort, failures and close. The text is gibberish; what is checked is that
// the whole path runs, the same way every time.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyLlamaGguf } from "../../test/support/gguf.js";
import { type TempDir, tempDir } from "../../test/support/tmp.js";
import { createEmbeddedProvider, type EmbeddedProvider } from "./embedded.js";
import { engineDirs, findEngine } from "./engine.js";
import type { ChatRequest } from "./types.js";

const dirs = engineDirs(undefined);
const threads = 1; // a shared 2-core machine: more threads only wait on each other

describe("embedded provider (real engine, tiny GGUF)", () => {
  let dir: TempDir;
  let modelPath: string;
  const open: EmbeddedProvider[] = [];
  const make = (extra: Partial<Parameters<typeof createEmbeddedProvider>[0]> = {}) => {
    const p = createEmbeddedProvider({ modelPath, engineDirs: dirs, threads, ...extra });
    open.push(p);
    return p;
  };
  const ask = (text: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
    messages: [{ role: "user", content: text }],
    tools: [],
    maxTokens: 24,
    ...extra,
  });

  beforeAll(async () => {
    expect(
      findEngine(dirs),
      `the engine is not installed: run node bin/warden.js model engine install --dir engine`,
    ).toBeDefined();
    dir = await tempDir();
    modelPath = await writeTinyLlamaGguf(join(dir.path, "tiny.gguf"));
  });
  afterAll(async () => {
    for (const p of open) await p.close();
    await dir?.[Symbol.asyncDispose]();
  });

  it("loads on the first request, not before, and streams the text it returns", async () => {
    const p = make();
    expect(p.loadMs).toBeUndefined();
    const shown: string[] = [];
    const r = await p.chat(ask("Hello there"), (d) => shown.push(d));
    expect(r.ok, r.ok ? "" : r.error.message).toBe(true);
    if (!r.ok) return;
    expect(p.loadMs).toBeGreaterThan(0);
    expect(r.value.content.length).toBeGreaterThan(0);
    expect(shown.join("")).toBe(r.value.content);
    expect(r.value.usage.completionTokens).toBeGreaterThan(0);
    expect(r.value.usage.completionTokens).toBeLessThanOrEqual(24);
    expect(r.value.usage.promptTokens).toBeGreaterThan(3);
    expect(["stop", "length"]).toContain(r.value.finishReason);
    expect(p.id).toBe("embedded:tiny.gguf");
  });

  it("answers the same prompt the same way, in another provider too", async () => {
    const a = await make().chat(ask("What is the time?"));
    const b = await make().chat(ask("What is the time?"));
    const c = await make().chat(ask("Something else entirely"));
    expect(a.ok && b.ok && c.ok).toBe(true);
    if (!a.ok || !b.ok || !c.ok) return;
    expect(b.value.content).toBe(a.value.content);
    expect(c.value.content).not.toBe(a.value.content);
  });

  it("renders the offered tools into the prompt, and takes a history with tool calls and results", async () => {
    const p = make();
    const tools = [
      {
        name: "read_file",
        description: "Read a file in the workspace",
        parameters: {
          type: "object",
          properties: { path: { type: "string", minLength: 1 } },
          required: ["path"],
          additionalProperties: false,
        },
      },
    ];
    const plain = await p.chat(ask("Read notes.txt"));
    const offered = await p.chat(ask("Read notes.txt", { tools }));
    expect(plain.ok && offered.ok).toBe(true);
    if (!plain.ok || !offered.ok) return;
    expect(offered.value.usage.promptTokens).toBeGreaterThan(plain.value.usage.promptTokens + 20);

    const followUp = await p.chat({
      messages: [
        { role: "system", content: "You are careful." },
        { role: "user", content: "Read notes.txt" },
        {
          role: "assistant",
          content: "",
          toolCalls: [{ id: "c1", name: "read_file", arguments: '{"path":"notes.txt"}' }],
        },
        { role: "tool", toolCallId: "c1", content: "remember the milk" },
      ],
      tools,
      maxTokens: 16,
    });
    expect(followUp.ok, followUp.ok ? "" : followUp.error.message).toBe(true);
  });

  it("constrains a tool call's arguments to the tool's schema while the model writes them", async () => {
    // the scripted model starts a call; from there on its random weights pick among what the grammar allows only
    const scripted = await writeTinyLlamaGguf(join(dir.path, "caller.gguf"), { script: ["||call:"] });
    const p = make({ modelPath: scripted });
    const tools = [
      {
        name: "read_file",
        description: "Read a file",
        parameters: {
          type: "object",
          properties: { path: { type: "string", enum: ["notes.txt", "todo.txt"] } },
          required: ["path"],
          additionalProperties: false,
        },
      },
    ];
    const r = await p.chat(ask("Read a file", { tools, maxTokens: 200 }));
    expect(r).toMatchObject({ ok: true, value: { finishReason: "tool_calls" } });
    const call = r.ok ? r.value.toolCalls[0] : undefined;
    expect(call?.name).toBe("read_file");
    expect(["notes.txt", "todo.txt"]).toContain((JSON.parse(call?.arguments ?? "{}") as { path?: string }).path);
  });

  it("returns INTERRUPTED for an aborted signal, before or during generation, and keeps working", async () => {
    const p = make();
    expect(await p.chat(ask("hi", { signal: AbortSignal.abort() }))).toMatchObject({
      ok: false,
      error: { code: "INTERRUPTED" },
    });
    const controller = new AbortController();
    let chunks = 0;
    const r = await p.chat(ask("Tell me a long story", { maxTokens: 4000, signal: controller.signal }), () => {
      if (++chunks === 3) controller.abort();
    });
    expect(r).toMatchObject({ ok: false, error: { code: "INTERRUPTED" } });
    expect(chunks).toBeLessThan(100);
    const after = await p.chat(ask("hi again"));
    expect(after.ok).toBe(true);
  });

  it("reports a missing file, a file that is not a model, and a missing engine as MODEL_FAILED with a fix", async () => {
    const missing = await make({ modelPath: join(dir.path, "absent.gguf") }).chat(ask("hi"));
    expect(missing).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
    const junk = join(dir.path, "junk.gguf");
    await writeFile(junk, "this is not a model");
    const bad = make({ modelPath: junk });
    expect(await bad.chat(ask("hi"))).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
    expect(await bad.probe()).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
    const noEngine = await make({ engineDirs: [join(dir.path, "nowhere")] }).chat(ask("hi"));
    expect(noEngine).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
    expect(!noEngine.ok && noEngine.error.details.fix).toContain("warden model engine install");
  });

  it("stops a running generation when closed, and answers nothing after", async () => {
    const p = make();
    let started: () => void = () => {};
    const streaming = new Promise<void>((resolve) => {
      started = resolve;
    });
    const running = p.chat(ask("go on and on", { maxTokens: 4000 }), () => started());
    await streaming;
    await p.close();
    // aborted, not run to its 4000 tokens
    expect(await running).toMatchObject({ ok: false, error: { code: "INTERRUPTED" } });
    expect(await p.chat(ask("hi"))).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
  });
});
