import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { ChannelRegistry, Outbox, ownerChannel } from "../channels/index.js";
import { ValueRedactor } from "../log/index.js";
import { harness, SECRET } from "./harness.fake.js";
import { runTask } from "./loop.js";
import { call, ScriptedModel, type ScriptStep } from "./model.fake.js";
import { sendMessageTool } from "./tools/message.js";

const POLICY = `
rules:
  - id: to-owner
    effect: allow
    reason: the owner may always be told
    match: { tool: send_message, to: owner }
  - id: to-others
    effect: ask
    reason: others need a yes
    match: { tool: send_message, to: others }
  - id: no-blocked
    effect: deny
    reason: that channel is closed
    match: { tool: send_message, channel: blocked }
`;

async function setup(dir: string) {
  const h = await harness(dir, { policy: POLICY, gate: () => ({ state: "denied", reason: "not now" }) });
  const events: { type: string; data: Record<string, unknown> }[] = [];
  const outbox = Outbox.open(h.store);
  const redactor = new ValueRedactor();
  redactor.add("API_KEY", SECRET);
  const channels = new ChannelRegistry(redactor);
  channels.register(ownerChannel({ outbox, publish: (type, data) => events.push({ type, data }) }));
  const run = async (steps: ScriptStep[]) => {
    const model = new ScriptedModel(steps);
    const t = await h.tasks.create({ prompt: "tell them", principal: "owner" });
    if (!t.ok) throw t.error;
    const outcome = await runTask({ ...h.deps(model), tools: [sendMessageTool(channels)] }, t.value.id);
    return { outcome, results: h.results(model), task: t.value.id };
  };
  return { h, outbox, events, run };
}

describe("send_message", () => {
  it("sends to the owner, redacted, into the outbox and onto the event bus", async () => {
    await using dir = await tempDir();
    const { h, outbox, events, run } = await setup(dir.path);
    using _h = h;
    // The model may know a secret value only if something leaked it; it must still never leave in a message.
    const { results, task } = await run([
      { toolCalls: [call("send_message", { channel: "cli", to: "owner", text: `done; key ${SECRET}` })] },
    ]);
    expect(results[0]).toMatchObject({ ok: true, channel: "cli", to: "owner" });
    expect(outbox.list().map((m) => [m.text, m.task])).toEqual([["done; key [secret:API_KEY]", task]]);
    expect(events).toEqual([
      {
        type: "message.sent",
        data: { id: results[0]?.sent, channel: "cli", to: "owner", text: "done; key [secret:API_KEY]", task },
      },
    ]);
    expect(JSON.stringify(h.audit.events)).not.toContain(SECRET);
  });

  it("asks before messaging anyone else and sends nothing when the answer is no", async () => {
    await using dir = await tempDir();
    const { h, outbox, run } = await setup(dir.path);
    using _h = h;
    const { results } = await run([{ toolCalls: [call("send_message", { to: "mallory", text: "psst" })] }]);
    expect(results[0]).toMatchObject({ ok: false, error: { code: "APPROVAL_DENIED", rule: "to-others" } });
    // The approver saw the text it would have sent.
    expect(h.gate.requests[0]?.action).toMatchObject({ tool: "send_message", to: "mallory", args: { text: "psst" } });
    expect(outbox.list()).toEqual([]);
  });

  it("is denied by policy, and names unknown channels and recipients", async () => {
    await using dir = await tempDir();
    const { h, outbox, run } = await setup(dir.path);
    using _h = h;
    const { results } = await run([
      {
        toolCalls: [
          call("send_message", { channel: "blocked", to: "owner", text: "x" }),
          call("send_message", { channel: "telegram", to: "owner", text: "x" }),
          call("send_message", { channel: "cli", to: "owner", text: "" }),
        ],
      },
    ]);
    expect(results[0]).toMatchObject({ ok: false, error: { code: "POLICY_DENIED", rule: "no-blocked" } });
    expect(results[1]).toEqual({
      ok: false,
      error: { code: "UNKNOWN_CHANNEL", reason: 'no channel named "telegram"; channels: cli' },
    });
    expect(results[2]).toMatchObject({ ok: false, error: { code: "INVALID_ARGUMENTS" } });
    expect(outbox.list()).toEqual([]);
  });
});
