// http_request end to end: the real daemon, policy, secret store and egress checks, the real OpenAI client against
// the recording fake model server. The model asks for a request carrying a secret handle; Warden injects the value for
// the bound destination, the server answers with that value (raw, base64, hex), and nothing the model server ever
// receives holds it in any form. The task ends untrusted; without a rule the request never leaves.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, runWarden } from "../support/cli.js";
import { type FakeReply, startFakeOpenAI } from "../support/fake-openai.js";
import { tempDir } from "../support/tmp.js";

beforeAll(assertBuilt);

const SECRET = "wdn-http-secret-8c1f4e7a2b9d";
const call = (name: string, args: unknown): FakeReply => ({ toolCalls: [{ name, arguments: JSON.stringify(args) }] });
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A careless API: echoes the credential it was sent, in three encodings. */
async function echoingApi(seen: IncomingHttpHeaders[]): Promise<number> {
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    const auth = String(req.headers.authorization ?? "");
    res.writeHead(200, { "content-type": "application/json", "x-token": auth });
    res.end(
      JSON.stringify({
        you: auth,
        b64: Buffer.from(auth).toString("base64"),
        hex: Buffer.from(auth.replace(/^Bearer /, "")).toString("hex"),
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return (server.address() as { port: number }).port;
}

async function setup(dir: string, baseUrl: string, port: number, rule: boolean) {
  const home = join(dir, "home");
  await runWarden(["init"], home);
  writeFileSync(
    join(home, "warden.yaml"),
    [
      "gateway:\n  port: 0",
      `model:\n  provider: openai-compatible\n  baseUrl: ${baseUrl}\n  model: fake-model`,
      'egress:\n  allowAddresses: ["127.0.0.1"]',
      `secrets:\n  bindings:\n    http:\n      - { secret: API_TOKEN, scheme: http, host: 127.0.0.1, port: ${port}, header: Authorization }`,
      "",
    ].join("\n"),
  );
  if (rule)
    writeFileSync(
      join(home, "policy", "10-api.yaml"),
      `rules:\n  - id: local-api\n    effect: allow\n    reason: the local API with its token\n    match: { tool: http_request, host: 127.0.0.1, port: ${port}, secrets: [API_TOKEN] }\n`,
    );
  const workspace = join(dir, "ws");
  mkdirSync(workspace);
  chmodSync(dir, 0o711);
  chmodSync(workspace, 0o777);
  expect((await runWarden(["secrets", "set", "API_TOKEN"], home, { input: SECRET })).code).toBe(0);
  expect((await runWarden(["start"], home)).code).toBe(0);
  return { home, workspace };
}

describe("http_request through the daemon", () => {
  it("injects a bound secret, and no form of it ever reaches the model server", async () => {
    await using dir = await tempDir();
    const seen: IncomingHttpHeaders[] = [];
    const port = await echoingApi(seen);
    await using fake = await startFakeOpenAI({
      script: [
        call("http_request", {
          url: `http://127.0.0.1:${port}/me`,
          headers: { Authorization: "Bearer secret:API_TOKEN" },
        }),
        { content: "Checked the API." },
      ],
    });
    const { home, workspace } = await setup(dir.path, fake.baseUrl, port, true);
    const ask = await runWarden(["ask", "who am I on the API?", "--workspace", workspace, "--json"], home, {
      timeoutMs: 60_000,
    });
    expect(ask.stderr).toBe("");
    expect(JSON.parse(ask.stdout)).toMatchObject({ state: "done", text: "Checked the API." });
    expect(seen.map((h) => h.authorization)).toEqual([`Bearer ${SECRET}`]);

    const toModel = JSON.stringify(fake.chatBodies());
    expect(toModel).toContain("[secret:API_TOKEN]");
    expect(toModel).toContain('\\"untrusted\\":true');
    for (const form of [
      SECRET,
      Buffer.from(`Bearer ${SECRET}`).toString("base64"),
      Buffer.from(SECRET).toString("hex"),
    ])
      expect(toModel).not.toContain(form);
    const audit = (await runWarden(["audit", "export"], home)).stdout;
    expect(audit).not.toContain(SECRET);
    expect(audit).toContain('"type":"egress.allowed"');
    const tasks = JSON.parse((await runWarden(["tasks", "list", "--json"], home)).stdout);
    expect(tasks[0]).toMatchObject({ state: "done", taint: "untrusted" });
  });

  it("without a rule the starter policy asks, and nothing is sent", async () => {
    await using dir = await tempDir();
    const seen: IncomingHttpHeaders[] = [];
    const port = await echoingApi(seen);
    await using fake = await startFakeOpenAI({
      script: [call("http_request", { url: `http://127.0.0.1:${port}/me` }), { content: "ok" }],
    });
    const { home, workspace } = await setup(dir.path, fake.baseUrl, port, false);
    const ask = await runWarden(["ask", "call the API", "--workspace", workspace, "--json"], home, {
      timeoutMs: 60_000,
    });
    expect(ask.code).toBe(4); // waiting on an approval: the starter policy's `network` rule asks
    expect(seen).toEqual([]);
  });
});
