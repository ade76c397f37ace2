// http_request in the agent loop, against a real HTTP server on loopback: policy decides on method, host and the
// secrets a request uses; a bound secret is injected at send time, the answer comes back redacted and untrusted (the
// task is tainted); without a rule nothing leaves; a redirect is decided again. The model never sees a value.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { createHttpRequestTool } from "../egress/index.js";
import { testEgress } from "../egress/setup.fake.js";
import { recordingUpstream, type Upstream } from "../egress/upstream.fake.js";
import { compilePolicyTexts } from "../policy/index.js";
import { DEFAULT_PROFILE, profileLimits } from "../sandbox/index.js";
import { FakeSandbox } from "../sandbox/sandbox.fake.js";
import { harness, SECRET, TEST_POLICY } from "./harness.fake.js";
import { call } from "./model.fake.js";
import { builtinTools } from "./tools/index.js";

const WAIT = { timeout: 15_000 };
let api: Upstream;
beforeAll(async () => {
  api = await recordingUpstream();
  // Answers with the secret it was sent, as a careless or hostile server would.
  api.route("/whoami", (req, _body, res) => {
    res.writeHead(200, { "content-type": "text/plain", "x-echo": String(req.headers.authorization) });
    res.end(`you are ${req.headers.authorization}\n`);
  });
  api.route("/moved", (_req, _body, res) => {
    res.writeHead(302, { location: `http://elsewhere.test:${api.port}/landing` }).end();
  });
});
afterAll(async () => {
  await api[Symbol.asyncDispose]();
});

const HTTP_RULE = (port: number) => `
  - id: api-with-key
    effect: allow
    reason: the test API, with its key
    match: { tool: http_request, host: api.test, port: ${port}, secrets: [API_KEY] }
  - id: api-plain
    effect: allow
    reason: the test API
    match: { tool: http_request, host: api.test, port: ${port} }
`;

async function setup(dir: string, policy: string) {
  const egress = testEgress({
    config: { allowAddresses: ["127.0.0.1"] },
    names: { "api.test": "127.0.0.1", "elsewhere.test": "127.0.0.1" },
    secrets: { API_KEY: SECRET, OTHER_KEY: "other-value-1d2c3b4a5f" },
    bindings: {
      http: [{ secret: "API_KEY", scheme: "http", host: "api.test", port: api.port, header: "Authorization" }],
    },
  });
  const compiled = compilePolicyTexts({ "test.yaml": policy });
  if (!compiled.ok) throw compiled.error;
  const tools = builtinTools({
    sandbox: new FakeSandbox(profileLimits(DEFAULT_PROFILE)),
    http: { tool: createHttpRequestTool(egress.deps), decide: (a) => compiled.value.decide(a) },
  });
  const h = await harness(dir, { policy, agent: { tools } });
  return { h, egress };
}

describe("http_request as an agent tool", () => {
  it("allowed by a rule: the bound secret is injected, the answer is redacted and taints the task", WAIT, async () => {
    await using dir = await tempDir();
    const { h, egress } = await setup(dir.path, TEST_POLICY + HTTP_RULE(api.port));
    using _h = h;
    const before = api.requests.length;
    const { model, outcome } = await h.run([
      {
        toolCalls: [
          call("http_request", {
            url: `http://api.test:${api.port}/whoami`,
            headers: { Authorization: "Bearer secret:API_KEY" },
          }),
        ],
      },
      { content: "checked" },
    ]);
    expect(outcome.state).toBe("done");
    expect(api.requests[before]?.headers.authorization).toBe(`Bearer ${SECRET}`);
    const [result] = h.results(model);
    expect(result).toMatchObject({ ok: true, status: 200, untrusted: true });
    expect(result.body).toBe("you are Bearer [secret:API_KEY]\n");
    expect(result.headers["x-echo"]).toBe("Bearer [secret:API_KEY]");
    expect(outcome.task.taint).toBe("untrusted");
    const decision = h.decisions.find((d) => d.action.tool === "http_request");
    expect(decision?.action).toMatchObject({ method: "GET", secrets: ["API_KEY"], taint: "trusted" });
    expect(decision?.decision).toMatchObject({ effect: "allow", rule: "api-with-key" });
    expect(egress.events.some((e) => e.type === "egress.allowed" && e.via === "tool")).toBe(true);
    // Nothing the model was sent, in any request, holds the value.
    expect(JSON.stringify(model.requests)).not.toContain(SECRET);
  });

  it("denied without a rule: nothing is sent and the task stays trusted", WAIT, async () => {
    await using dir = await tempDir();
    const { h } = await setup(dir.path, TEST_POLICY);
    using _h = h;
    const before = api.requests.length;
    const { model, outcome } = await h.run([
      { toolCalls: [call("http_request", { url: `http://api.test:${api.port}/whoami` })] },
      { content: "could not" },
    ]);
    expect(api.requests.length).toBe(before);
    const [result] = h.results(model);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).toContain("no matching rule");
    expect(outcome.task.taint).toBe("trusted");
  });

  it("a secret the binding does not put there, or a redirect policy does not allow, is refused", WAIT, async () => {
    await using dir = await tempDir();
    // Policy allows OTHER_KEY to this host, but no binding places it: egress still refuses.
    const careless = `
  - id: careless
    effect: allow
    reason: a rule broader than the bindings
    match: { tool: http_request, host: api.test, secrets: [OTHER_KEY] }
`;
    const { h, egress } = await setup(dir.path, TEST_POLICY + HTTP_RULE(api.port) + careless);
    using _h = h;
    const before = api.requests.length;
    const { model } = await h.run([
      {
        toolCalls: [
          call("http_request", { url: `http://api.test:${api.port}/collect?k=secret:OTHER_KEY` }),
          call("http_request", { url: `http://api.test:${api.port}/moved` }),
        ],
      },
      { content: "ok" },
    ]);
    const [unbound, redirected] = h.results(model);
    expect(unbound).toMatchObject({ ok: false, error: { code: "EGRESS_DENIED" } });
    expect(unbound.error.reason).toContain("secret:OTHER_KEY is not bound to query parameter k");
    expect(redirected).toMatchObject({ ok: false });
    expect(JSON.stringify(redirected)).toContain("redirect: no matching rule");
    // Only the first hop of the redirect reached the server; /collect never did.
    expect(api.requests.slice(before).map((r) => r.url)).toEqual(["/moved"]);
    expect(egress.events.some((e) => e.type === "egress.denied" && e.host === "elsewhere.test")).toBe(true);
  });
});
