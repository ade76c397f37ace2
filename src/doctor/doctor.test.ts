import { existsSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { homePaths, initHome } from "../home/index.js";
import { runDoctor } from "./checks.js";

async function freshHome(dir: string, config: string) {
  const paths = homePaths(join(dir, "home"));
  initHome(paths, { config, starterPolicy: "rules: []\n" });
  return paths;
}

describe("runDoctor", () => {
  it("fails the sandbox check with a fix when bubblewrap is missing", async () => {
    await using dir = await tempDir();
    const paths = await freshHome(dir.path, "gateway:\n  port: 0\n");
    const results = await runDoctor({
      paths,
      uid: process.getuid!(),
      nodeVersion: "v20.1.0",
      bwrapPath: "/nonexistent/bwrap",
    });
    const sandbox = results.find((r) => r.id === "sandbox")!;
    expect(sandbox.status).toBe("fail");
    expect(sandbox.fix).toMatch(/bubblewrap/);
  });

  it("reports the docker backend's state with a fix: no CLI, or no engine behind dockerHost", async () => {
    await using dir = await tempDir();
    const noCli = await freshHome(
      join(dir.path, "a"),
      "gateway:\n  port: 0\nsandbox:\n  backend: docker\n  dockerPath: /nonexistent/docker\n",
    );
    const a = (await runDoctor({ paths: noCli, uid: process.getuid!(), nodeVersion: "v20.1.0" })).find(
      (r) => r.id === "sandbox",
    );
    expect(a).toMatchObject({ status: "fail", fix: expect.stringMatching(/docker CLI|dockerPath/) });
    const cli = ["/usr/bin/docker", "/usr/local/bin/docker"].find((p) => existsSync(p));
    if (!cli) return;
    const noEngine = await freshHome(
      join(dir.path, "b"),
      `gateway:\n  port: 0\nsandbox:\n  backend: docker\n  dockerPath: ${cli}\n  dockerHost: unix://${dir.path}/none.sock\n`,
    );
    const b = (await runDoctor({ paths: noEngine, uid: process.getuid!(), nodeVersion: "v20.1.0" })).find(
      (r) => r.id === "sandbox",
    );
    expect(b).toMatchObject({ status: "fail", fix: expect.stringMatching(/none\.sock/) });
  }, 60_000);

  it("flags a disabled sandbox as a failure", async () => {
    await using dir = await tempDir();
    const paths = await freshHome(
      dir.path,
      "gateway:\n  port: 0\nsandbox:\n  backend: none\n  allowUnsandboxed: true\n",
    );
    const results = await runDoctor({ paths, uid: process.getuid!(), nodeVersion: "v20.1.0" });
    expect(results.find((r) => r.id === "sandbox")).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/DISABLED/),
    });
  });

  it("fails an old Node and a model server that does not answer; passes one that does", async () => {
    await using dir = await tempDir();
    const server = createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(req.url === "/v1/models" ? { data: [{ id: "tiny" }] } : {}));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const up = await freshHome(
        dir.path,
        `gateway:\n  port: 0\nmodel:\n  provider: openai-compatible\n  baseUrl: http://127.0.0.1:${port}/v1\n  model: tiny\n`,
      );
      const results = await runDoctor({ paths: up, uid: process.getuid!(), nodeVersion: "v18.19.0" });
      expect(results.find((r) => r.id === "node")).toMatchObject({ status: "fail" });
      expect(results.find((r) => r.id === "model")).toMatchObject({ status: "ok" });
      writeFileSync(
        up.config,
        "gateway:\n  port: 0\nmodel:\n  provider: openai-compatible\n  baseUrl: http://127.0.0.1:1/v1\n  model: tiny\n",
      );
      const down = await runDoctor({ paths: up, uid: process.getuid!(), nodeVersion: "v20.1.0" });
      expect(down.find((r) => r.id === "model")).toMatchObject({
        status: "fail",
        fix: expect.stringMatching(/start the model server/),
      });
    } finally {
      server.close();
    }
  });

  it("skips the port and model checks when the config is invalid, and names the config problem", async () => {
    await using dir = await tempDir();
    const paths = await freshHome(dir.path, "gateway: [\n");
    const results = await runDoctor({ paths, uid: process.getuid!(), nodeVersion: "v20.1.0" });
    expect(results.find((r) => r.id === "config")).toMatchObject({ status: "fail" });
    expect(results.find((r) => r.id === "port")!.status).toBe("skip");
  });
});
