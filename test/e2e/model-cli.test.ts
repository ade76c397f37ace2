// `warden model` and the embedded engine end to end, with no download from the internet: the test writes a tiny
// random-weight GGUF, serves it from a local HTTP server for `warden model pull --url`, and runs `warden ask` in a
// real daemon with model.provider: embedded (the real node-llama-cpp from engine/, installed by `node bin/warden.js
// model engine install --dir engine`). The answer is gibberish; what is checked is that the whole path ran, the same
// way twice.

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { engineDirs, findEngine } from "../../src/models/engine.js";
import { assertBuilt, runWarden, WARDEN_BIN } from "../support/cli.js";
import { tinyLlamaGguf } from "../support/gguf.js";
import { tempDir } from "../support/tmp.js";

beforeAll(() => {
  assertBuilt();
  if (!findEngine(engineDirs(undefined))) {
    throw new Error(
      "the embedded engine is not installed in engine/: run node bin/warden.js model engine install --dir engine",
    );
  }
});

const model = tinyLlamaGguf();
const sha256 = createHash("sha256").update(model).digest("hex");

async function serveModel() {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-length": model.length, "content-type": "application/octet-stream" });
    res.end(model);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tiny.gguf`;
  return {
    url,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

describe("warden model", () => {
  it("pull --url downloads and checks a model (plain lines, or a bar on a terminal); list shows it; failures are clear", async () => {
    await using dir = await tempDir();
    await using served = await serveModel();
    const home = join(dir.path, "home");
    expect((await runWarden(["init"], home)).code).toBe(0);

    const wrong = await runWarden(["model", "pull", "--url", served.url, "--sha256", "0".repeat(64)], home);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/does not match its checksum/);
    expect(existsSync(join(home, "models", "tiny.gguf"))).toBe(false);

    const pulled = await runWarden(["model", "pull", "--url", served.url, "--sha256", sha256], home);
    expect(pulled.stderr).toMatch(/tiny\.gguf: .* \(100%\)/); // plain progress lines: stderr is not a terminal
    expect(pulled.stdout).toMatch(/Downloaded: .*tiny\.gguf/);
    expect(pulled.code).toBe(0);

    // on a terminal: one bar redrawn in place (script(1) gives the command a pseudo-terminal)
    const argv = [process.execPath, WARDEN_BIN, "model", "pull", "tty.gguf", "--url", served.url, "--sha256", sha256];
    // (async: the file server runs in this process)
    const tty = await new Promise<{ status: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn("script", ["-qfec", argv.map((a) => `'${a}'`).join(" "), "/dev/null"], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, WARDEN_HOME: home },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
      });
      child.on("error", reject);
      child.on("close", (status) => resolve({ status, stdout }));
    });
    expect(tty.status).toBe(0);
    expect(tty.stdout).toMatch(/\rtty\.gguf \[#{30}\] 100% /);
    expect(tty.stdout).not.toMatch(/tty\.gguf: .*\(100%\)/);
    rmSync(join(home, "models", "tty.gguf"));

    const list = JSON.parse((await runWarden(["model", "list", "--json"], home)).stdout);
    expect(list.files).toEqual([
      expect.objectContaining({ name: "tiny.gguf", bytes: model.length, gguf: true, partial: false, active: true }),
    ]);
    expect(list.engine).toMatchObject({ version: "3.21.1" });

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const offline = await runWarden(
      ["model", "pull", "--url", `http://127.0.0.1:${port}/x.gguf`, "--sha256", sha256],
      home,
    );
    expect(offline.code).toBe(1);
    expect(offline.stderr).toMatch(/ECONNREFUSED/);
    expect(offline.stderr).toMatch(/model\.baseUrl/);
    const unknown = await runWarden(["model", "pull", "no-such-model"], home);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/known models: qwen2\.5-1\.5b-instruct/);
  });

  it("warden ask runs a task on the embedded engine, and answers the same way in another daemon", async () => {
    await using dir = await tempDir();
    const workspace = join(dir.path, "ws");
    mkdirSync(workspace);
    chmodSync(dir.path, 0o711);
    chmodSync(workspace, 0o777);
    const run = async (name: string) => {
      const home = join(dir.path, name);
      expect((await runWarden(["init"], home)).code).toBe(0);
      mkdirSync(join(home, "models"), { recursive: true });
      writeFileSync(join(home, "models", "tiny.gguf"), model);
      writeFileSync(
        join(home, "warden.yaml"),
        "gateway:\n  port: 0\nmodel:\n  provider: embedded\n  path: tiny.gguf\n  threads: 1\n  contextSize: 16384\n",
      );
      const started = await runWarden(["start"], home);
      expect(started.stderr).toBe("");
      expect(started.code).toBe(0);
      const status = await runWarden(["status", "--json"], home);
      expect(status.stdout).toContain("embedded");
      const ask = await runWarden(["ask", "Say hello.", "--workspace", workspace, "--json"], home, {
        timeoutMs: 120_000,
      });
      expect(ask.stderr).toBe("");
      expect(ask.code).toBe(0);
      const answer = JSON.parse(ask.stdout) as { task: string; state: string; text: string };
      expect(answer.state).toBe("done");
      expect(answer.text.length).toBeGreaterThan(0);
      const shown = JSON.parse((await runWarden(["tasks", "show", answer.task, "--json"], home)).stdout);
      expect(shown.state).toBe("done");
      expect(JSON.stringify(shown.transcript)).toContain("Say hello.");
      expect((await runWarden(["stop"], home)).code).toBe(0);
      return answer.text;
    };
    const first = await run("a");
    const second = await run("b");
    expect(second).toBe(first);
  });
});
