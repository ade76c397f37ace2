import { afterEach, describe, expect, it } from "vitest";
import { EventBus, type Gateway, GatewayClient, Router, startGateway } from "../gateway/index.js";
import { SqliteStore, type Store } from "../store/index.js";
import { ExecutionJournal, type ExecutionRecord } from "./executions.js";
import { AuditLog } from "./log.js";
import { auditRoutes } from "./routes.js";
import type { AuditEvent, VerifyResult } from "./types.js";

const TOKEN = "k".repeat(43);
let gateway: Gateway | undefined;
const stores: Store[] = [];
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  for (const s of stores.splice(0)) s.close();
});

async function start() {
  const store = SqliteStore.open(":memory:");
  stores.push(store);
  const audit = AuditLog.open(store);
  const router = new Router();
  const journal = ExecutionJournal.open(store, audit);
  for (const r of auditRoutes(audit, journal)) router.add(r);
  gateway = await startGateway({
    host: "127.0.0.1",
    port: 0,
    token: TOKEN,
    router,
    events: new EventBus(),
    onAuthFailure: () => {},
    onError: () => {},
  });
  return { store, audit, journal, client: new GatewayClient(gateway.url, TOKEN) };
}

describe("audit routes over HTTP", () => {
  it("verifies, pages through events by task, and tails", async () => {
    const { audit, client } = await start();
    await Promise.all(
      Array.from({ length: 1300 }, (_, i) => audit.append({ type: "a.b", actor: "x", task: i % 5 ? "busy" : "quiet" })),
    );
    expect(await client.request<VerifyResult>("GET", "/v1/audit/verify")).toMatchObject({ ok: true, count: 1300 });
    type Page = { events: AuditEvent[]; nextAfterSeq: number | null };
    const first = await client.request<Page>("GET", "/v1/audit/events?task=busy");
    expect(first.events).toHaveLength(1000);
    const second = await client.request<Page>("GET", `/v1/audit/events?task=busy&afterSeq=${first.nextAfterSeq}`);
    expect(second.events.length + first.events.length).toBe(1040);
    expect(second.nextAfterSeq).toBeNull();
    const tail = await client.request<{ events: AuditEvent[] }>("GET", "/v1/audit/tail?limit=3");
    expect(tail.events.map((e) => e.seq)).toEqual([1298, 1299, 1300]);
    await expect(client.request("GET", "/v1/audit/events?since=notatime")).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("reports a broken chain", async () => {
    const { store, audit, client } = await start();
    for (let i = 0; i < 3; i++) await audit.append({ type: "a.b", actor: "x" });
    store.prepare("DROP TRIGGER audit_events_no_delete").run();
    store.prepare("DELETE FROM audit_events WHERE seq = 2").run();
    expect(await client.request("GET", "/v1/audit/verify")).toMatchObject({ ok: false, seq: 2, problem: "missing" });
  });

  it("lists interrupted executions for review", async () => {
    const { journal, client } = await start();
    const cut = journal.begin({ task: "t", actor: "a", action: { tool: "exec", argv: ["make"] } });
    journal.end(journal.begin({ task: "t", actor: "a", action: { tool: "exec", argv: ["ls"] } }).id, { exitCode: 0 });
    journal.recoverInterrupted();
    const { executions } = await client.request<{ executions: ExecutionRecord[] }>(
      "GET",
      "/v1/executions?state=interrupted",
    );
    expect(executions.map((e) => e.id)).toEqual([cut.id]);
    await expect(client.request("GET", "/v1/executions?state=running")).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});
