// pullModel against a real HTTP server on loopback serving a generated file: a good download, a wrong checksum, a
// refused connection, a connection cut halfway then resumed with a Range request, a server that ignores ranges, a
// stalled server, and an HTTP error.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { pullModel } from "./pull.js";

const body = randomBytes(3 * 1024 * 1024 + 123);
const sha256 = createHash("sha256").update(body).digest("hex");

type Mode = "normal" | "cut" | "no-range" | "stall" | "404";

interface Served {
  url: string;
  ranges: string[];
  close(): Promise<void>;
}

let server: Server | undefined;
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  server = undefined;
});

async function serve(mode: () => Mode): Promise<Served> {
  const ranges: string[] = [];
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const m = mode();
    if (m === "404") {
      res.writeHead(404).end("no such model");
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    ranges.push(req.headers.range ?? "");
    let start = range && m !== "no-range" ? Number(range[1]) : 0;
    if (start > body.length) start = body.length;
    if (range && m !== "no-range" && start === body.length) {
      res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
      return;
    }
    const headers: Record<string, string | number> = { "content-length": body.length - start };
    if (start > 0) headers["content-range"] = `bytes ${start}-${body.length - 1}/${body.length}`;
    res.writeHead(start > 0 ? 206 : 200, headers);
    if (m === "stall") {
      res.write(body.subarray(start, start + 1000));
      return; // never ends
    }
    if (m === "cut") {
      res.write(body.subarray(start, start + 1024 * 1024), () => req.socket.destroy());
      return;
    }
    res.end(body.subarray(start));
  });
  servers.push(server);
  await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/model.gguf`, ranges, close: async () => {} };
}

describe("pullModel", () => {
  it("downloads, checks the checksum, renames into place; a second pull finds it there", async () => {
    await using dir = await tempDir();
    const s = await serve(() => "normal");
    const dest = join(dir.path, "models", "m.gguf");
    const seen: number[] = [];
    const r = await pullModel({ url: s.url, sha256, bytes: body.length, dest, onProgress: (p) => seen.push(p.done) });
    expect(r).toMatchObject({ ok: true, value: { path: dest, bytes: body.length, present: false, resumedFrom: 0 } });
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(existsSync(`${dest}.part`)).toBe(false);
    expect(seen.at(-1)).toBe(body.length);
    expect(statSync(dest).mode & 0o077).toBe(0);
    const again = await pullModel({ url: s.url, sha256, dest });
    expect(again).toMatchObject({ ok: true, value: { present: true } });
    expect(s.ranges).toHaveLength(1);
  });

  it("deletes a download whose checksum does not match, and never renames it into place", async () => {
    await using dir = await tempDir();
    const s = await serve(() => "normal");
    const dest = join(dir.path, "m.gguf");
    const r = await pullModel({ url: s.url, sha256: "0".repeat(64), dest });
    expect(r).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
    expect(!r.ok && r.error.message).toMatch(/checksum/);
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it("offline (connection refused): says so and lists what works without a download", async () => {
    await using dir = await tempDir();
    const s = await serve(() => "normal");
    server?.close();
    await new Promise((r) => setTimeout(r, 20));
    const r = await pullModel({ url: s.url, sha256, dest: join(dir.path, "m.gguf") });
    expect(r).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
    if (r.ok) return;
    expect(r.error.message).toMatch(/ECONNREFUSED/);
    expect(r.error.details.fix).toMatch(/model\.baseUrl/);
    expect(r.error.details.fix).toMatch(/11434/);
    expect(r.error.details.fix).toContain(`copy a GGUF file into ${dir.path} and set model.provider: embedded`);
  });

  it("keeps what arrived before the connection was cut, and resumes from there", async () => {
    await using dir = await tempDir();
    let mode: Mode = "cut";
    const s = await serve(() => mode);
    const dest = join(dir.path, "m.gguf");
    const first = await pullModel({ url: s.url, sha256, bytes: body.length, dest });
    expect(first).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
    expect(!first.ok && first.error.details.fix).toMatch(/resumes/);
    const kept = statSync(`${dest}.part`).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(body.length);
    expect(existsSync(dest)).toBe(false);

    mode = "normal";
    const second = await pullModel({ url: s.url, sha256, bytes: body.length, dest });
    expect(second).toMatchObject({ ok: true, value: { resumedFrom: kept, bytes: body.length } });
    expect(s.ranges.at(-1)).toBe(`bytes=${kept}-`);
    expect(readFileSync(dest).equals(body)).toBe(true);
  });

  it("starts over when the server ignores the range, and checks a complete .part without downloading", async () => {
    await using dir = await tempDir();
    const s = await serve(() => "no-range");
    const dest = join(dir.path, "m.gguf");
    writeFileSync(`${dest}.part`, Buffer.from("garbage that is not the start of the file"));
    expect(await pullModel({ url: s.url, sha256, dest })).toMatchObject({ ok: true, value: { resumedFrom: 0 } });
    expect(readFileSync(dest).equals(body)).toBe(true);

    const s2 = await serve(() => "normal");
    const dest2 = join(dir.path, "n.gguf");
    writeFileSync(`${dest2}.part`, body);
    expect(await pullModel({ url: s2.url, sha256, dest: dest2 })).toMatchObject({ ok: true });
    expect(s2.ranges).toEqual([`bytes=${body.length}-`]);
  });

  it("gives up on a server that stops sending, keeping the partial file; reports HTTP errors", async () => {
    await using dir = await tempDir();
    let mode: Mode = "stall";
    const s = await serve(() => mode);
    const dest = join(dir.path, "m.gguf");
    const stalled = await pullModel({ url: s.url, sha256, dest, idleTimeoutMs: 300 });
    expect(stalled).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
    expect(!stalled.ok && stalled.error.message).toMatch(/no data for 300 ms/);
    expect(statSync(`${dest}.part`).size).toBe(1000);
    mode = "404";
    const missing = await pullModel({ url: s.url, sha256, dest: join(dir.path, "x.gguf") });
    expect(missing).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
    expect(!missing.ok && missing.error.message).toMatch(/HTTP 404/);
  });

  it("refuses a download the disk has no room for, before asking the server", async () => {
    await using dir = await tempDir();
    const s = await serve(() => "normal");
    const r = await pullModel({ url: s.url, sha256, bytes: 2 ** 53, dest: join(dir.path, "huge.gguf") });
    expect(r).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
    expect(!r.ok && r.error.message).toMatch(/not enough disk space/);
    expect(s.ranges).toEqual([]);
  });

  it("refuses a second pull of the same file while one runs, and takes over a dead puller's lock", async () => {
    await using dir = await tempDir();
    const s = await serve(() => "normal");
    const dest = join(dir.path, "m.gguf");
    writeFileSync(`${dest}.lock`, String(process.pid)); // this process: alive
    const busy = await pullModel({ url: s.url, sha256, dest });
    expect(busy).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    expect(existsSync(`${dest}.lock`)).toBe(true); // not ours to remove
    writeFileSync(`${dest}.lock`, "999999999"); // no such process
    expect(await pullModel({ url: s.url, sha256, dest })).toMatchObject({ ok: true });
    expect(existsSync(`${dest}.lock`)).toBe(false);
  });

  it("returns INTERRUPTED when cancelled", async () => {
    await using dir = await tempDir();
    const s = await serve(() => "stall");
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const r = await pullModel({ url: s.url, sha256, dest: join(dir.path, "m.gguf"), signal: controller.signal });
    expect(r).toMatchObject({ ok: false, error: { code: "INTERRUPTED" } });
  });
});
