import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { ValueRedactor } from "../log/index.js";
import { SqliteStore } from "../store/index.js";
import type { ChannelAdapter } from "./adapter.js";
import { FakeChannel } from "./channel.fake.js";
import { ChannelRegistry, Outbox, OWNER_CHANNEL, ownerChannel } from "./index.js";

const SECRET = "tok-81c2d9e0aa";

async function withStore<T>(fn: (store: SqliteStore) => Promise<T>): Promise<T> {
  await using dir = await tempDir();
  const store = SqliteStore.open(join(dir.path, "state.db"), { durability: "normal" });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

// The same contract for every adapter: the fake and the owner's channel today, chat services later.
const adapters: [string, (store: SqliteStore) => ChannelAdapter][] = [
  ["fake", () => new FakeChannel("fake")],
  ["owner (cli)", (store) => ownerChannel({ outbox: Outbox.open(store), publish: () => {} })],
];

describe.each(adapters)("ChannelAdapter contract: %s", (_name, make) => {
  it("reaches the owner, refuses strangers through the registry, and sends the text as given", async () => {
    await withStore(async (store) => {
      const adapter = make(store);
      expect(adapter.knows("owner")).toBe(true);
      expect(adapter.knows("mallory")).toBe(false);
      const registry = new ChannelRegistry(new ValueRedactor());
      registry.register(adapter);
      const sent = await registry.send(adapter.name, { to: "owner", text: "hello", task: "t_1" });
      expect(sent.ok && [sent.value.channel, sent.value.to, sent.value.text, sent.value.task]).toEqual([
        adapter.name,
        "owner",
        "hello",
        "t_1",
      ]);
      const stranger = await registry.send(adapter.name, { to: "mallory", text: "hi", task: null });
      expect(!stranger.ok && stranger.error.code).toBe("UNKNOWN_RECIPIENT");
    });
  });
});

describe("ChannelRegistry", () => {
  it("redacts before any adapter sees the text and names the channels it knows", async () => {
    const redactor = new ValueRedactor();
    redactor.add("TOKEN", SECRET);
    const registry = new ChannelRegistry(redactor);
    const fake = new FakeChannel("fake");
    registry.register(fake);
    await registry.send("fake", {
      to: "owner",
      text: `key ${SECRET} and ${Buffer.from(SECRET).toString("base64")}`,
      task: null,
    });
    expect(fake.sent[0]?.text).not.toContain(SECRET);
    expect(fake.sent[0]?.text).toContain("[secret:TOKEN]");
    const unknown = await registry.send("telegram", { to: "owner", text: "x", task: null });
    expect(!unknown.ok && unknown.error).toEqual({
      code: "UNKNOWN_CHANNEL",
      reason: 'no channel named "telegram"; channels: fake',
    });
    expect(() => registry.register(new FakeChannel("fake"))).toThrow(/twice/);
  });

  it("turns a failing or throwing adapter into an error result", async () => {
    const registry = new ChannelRegistry(new ValueRedactor());
    const fake = new FakeChannel("fake");
    fake.failWith = "service down";
    registry.register(fake);
    registry.register({
      name: "broken",
      knows: () => true,
      send: () => Promise.reject(new Error("boom")),
    });
    expect(await registry.send("fake", { to: "owner", text: "x", task: null })).toEqual({
      ok: false,
      error: { code: "SEND_FAILED", reason: "service down" },
    });
    expect(await registry.send("broken", { to: "owner", text: "x", task: null })).toEqual({
      ok: false,
      error: { code: "SEND_FAILED", reason: "boom" },
    });
  });
});

describe("owner channel", () => {
  it("stores each message in the outbox and publishes message.sent", async () => {
    await withStore(async (store) => {
      const events: { type: string; data: Record<string, unknown> }[] = [];
      const outbox = Outbox.open(store);
      const cli = ownerChannel({ outbox, publish: (type, data) => events.push({ type, data }) });
      expect(cli.name).toBe(OWNER_CHANNEL);
      const a = await cli.send({ to: "owner", text: "first", task: "t_a" });
      await cli.send({ to: "owner", text: "second", task: null });
      expect(events.map((e) => [e.type, e.data.channel, e.data.to, e.data.text, e.data.task])).toEqual([
        ["message.sent", "cli", "owner", "first", "t_a"],
        ["message.sent", "cli", "owner", "second", null],
      ]);
      expect(outbox.list().map((m) => m.text)).toEqual(["first", "second"]);
      expect(outbox.list({ task: "t_a" }).map((m) => m.id)).toEqual([a.ok ? a.value.id : ""]);
      expect(outbox.list({ limit: 1 }).map((m) => m.text)).toEqual(["second"]);
      // Reopening migrates nothing twice and keeps what was sent.
      expect(Outbox.open(store).list()).toHaveLength(2);
    });
  });
});
