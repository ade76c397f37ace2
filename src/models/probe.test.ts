import { describe, expect, it } from "vitest";
import { startFakeOpenAI } from "../../test/support/fake-openai.js";
import { closedPort } from "../../test/support/net.js";
import { DEFAULT_LOCAL_SERVERS, listModels, probeLocalServers } from "./probe.js";

describe("probeLocalServers", () => {
  it("tries the usual servers in order: Ollama, llama.cpp, vLLM / NIM", () => {
    expect(DEFAULT_LOCAL_SERVERS.map((c) => c.baseUrl)).toEqual([
      "http://127.0.0.1:11434/v1",
      "http://127.0.0.1:8080/v1",
      "http://127.0.0.1:8000/v1",
    ]);
  });

  it("returns the first candidate in the list that answers /models, with every attempt", async () => {
    await using slow = await startFakeOpenAI({ models: { delayMs: 10_000, body: '{"data": []}' } });
    await using first = await startFakeOpenAI({ models: ["qwen2.5:3b"] });
    await using second = await startFakeOpenAI({ models: ["other"] });
    const down = `http://127.0.0.1:${await closedPort()}/v1`;
    const probe = await probeLocalServers(
      [
        { name: "down", baseUrl: down },
        { name: "slow", baseUrl: slow.baseUrl },
        { name: "first", baseUrl: first.baseUrl },
        { name: "second", baseUrl: second.baseUrl },
      ],
      undefined,
      { timeoutMs: 1_500 }, // generous: a busy machine must not turn a live server into a timeout
    );
    expect(probe.found).toEqual({ name: "first", baseUrl: first.baseUrl, models: ["qwen2.5:3b"] });
    expect(probe.attempts.map((a) => [a.name, a.ok, a.error?.code])).toEqual([
      ["down", false, "MODEL_FAILED"],
      ["slow", false, "TIMEOUT"],
      ["first", true, undefined],
      ["second", true, undefined],
    ]);
  });

  it("finds nothing when nothing answers, and uses the fetch it is given", async () => {
    const asked: string[] = [];
    const probe = await probeLocalServers(DEFAULT_LOCAL_SERVERS, async (url) => {
      asked.push(String(url));
      return new Response("<html>not a model server</html>", { status: 200 });
    });
    expect(probe.found).toBeUndefined();
    expect(asked.sort()).toEqual([
      "http://127.0.0.1:11434/v1/models",
      "http://127.0.0.1:8000/v1/models",
      "http://127.0.0.1:8080/v1/models",
    ]);
    expect(probe.attempts.every((a) => a.error?.code === "MODEL_FAILED")).toBe(true);
  });
});

describe("listModels", () => {
  it("rejects answers that are not a model list", async () => {
    const answer =
      (body: string, status = 200) =>
      async () =>
        new Response(body, { status });
    for (const fetch of [answer('{"data": [{"name": 1}]}'), answer("[]"), answer("{}", 401)]) {
      expect(await listModels("http://127.0.0.1:1/v1", { fetch })).toMatchObject({
        ok: false,
        error: { code: "MODEL_FAILED" },
      });
    }
    const ok = await listModels("http://127.0.0.1:1/v1/", { fetch: answer('{"data": [{"id": "m"}]}') });
    expect(ok).toEqual({ ok: true, value: { models: ["m"] } });
  });
});
