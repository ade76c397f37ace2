// Shared by the agent benches (run.mjs, concurrent.mjs, halt.mjs): for in-process runs, a zero-cost sandbox and an
// approval gate that never asks; a zero-latency OpenAI-compatible model server (SSE) whose replies a bench decides,
// the built `warden` CLI, and a started daemon with its API.
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Zero-cost sandbox: the time excluded from Warden's overhead ("excluding sandbox time"). */
export const instantSandbox = {
  backend: "fake",
  probe: async () => ({ ok: true, value: { backend: "fake", version: "0" } }),
  run: async () => ({
    ok: true,
    value: { exitCode: 0, timedOut: false, aborted: false, truncated: false, stdout: "", stderr: "", durationMs: 0 },
  }),
  killAll: async () => {},
};

const WARDEN = fileURLToPath(new URL("../../bin/warden.js", import.meta.url));

/**
 * A model server on loopback. `reply(request)` gets the parsed chat request and returns `{ call: {name, arguments} }`
 * for a tool call or `{ content }` for a final answer; the server streams it as the OpenAI API does.
 */
/** An approval gate for in-process benches whose policy never asks. */
export const noGate = {
  request: () => {
    throw new Error("the bench policy never asks");
  },
  wait: async () => ({}),
  consume: () => ({ ok: false }),
  endTask: () => [],
};

export function fakeModel(reply) {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      if (req.method === "GET") {
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify({ object: "list", data: [{ id: "bench", object: "model", owned_by: "bench" }] }));
      }
      const json = JSON.parse(body || "{}");
      const r = reply(json);
      const base = { id: "cmpl", object: "chat.completion.chunk", created: 0, model: "bench" };
      const chunk = (delta, finish = null) =>
        `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
      res.writeHead(200, { "content-type": "text/event-stream" });
      if (r.call) {
        const id = `c${(json.messages ?? []).length}`;
        res.write(chunk({ role: "assistant", tool_calls: [{ index: 0, id, type: "function", function: r.call }] }));
        res.write(chunk({}, "tool_calls"));
      } else {
        res.write(chunk({ role: "assistant", content: r.content ?? "done" }));
        res.write(chunk({}, "stop"));
      }
      const usage = { prompt_tokens: 100, completion_tokens: 5, total_tokens: 105 };
      res.write(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`);
      res.end("data: [DONE]\n\n");
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** Run the built CLI against `home`; resolves with its exit code and output. */
export const warden = (args, home) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [WARDEN, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, WARDEN_HOME: home },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    child.on("close", (code) => resolve({ code, out }));
  });

/**
 * A daemon in a fresh home whose model is `model` (a fakeModel server), with `config` appended to warden.yaml and
 * `policy` as an extra policy file. Returns its pid file, an API caller and `close()` (stop, remove the home).
 */
export async function benchDaemon(model, { config = "", policy } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "warden-bench-daemon-"));
  const home = join(dir, "home");
  const close = async () => {
    await warden(["stop"], home);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    chmodSync(dir, 0o711); // as root, the sandbox uid must reach the task workspaces under the home
    if ((await warden(["init"], home)).code !== 0) throw new Error("warden init failed");
    const { port } = model.address();
    writeFileSync(
      join(home, "warden.yaml"),
      `gateway:\n  port: 0\nmodel:\n  provider: openai-compatible\n  baseUrl: http://127.0.0.1:${port}/v1\n  model: bench\n${config}`,
    );
    if (policy !== undefined) writeFileSync(join(home, "policy", "10-bench.yaml"), policy);
    const started = await warden(["start"], home);
    if (started.code !== 0) throw new Error(`warden start failed: ${started.out}`);
    const info = JSON.parse(readFileSync(join(home, "run", "warden.pid"), "utf8"));
    const token = readFileSync(join(home, "token"), "utf8").trim();
    const api = (method, path, body) =>
      fetch(new URL(path, info.url), {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      }).then((r) => r.json());
    return { home, info, token, api, close };
  } catch (e) {
    await close();
    throw e;
  }
}
