import { afterEach, describe, expect, it } from "vitest";
import { AuditLog } from "../audit/index.js";
import { EventBus, type Gateway, GatewayClient, Router, startGateway } from "../gateway/index.js";
import { SqliteStore, type Store } from "../store/index.js";
import { Approvals } from "./approvals.js";
import { approvalRoutes } from "./routes.js";
import type { Approval, RuleProposal } from "./types.js";

const TOKEN = "k".repeat(43);
const action = { tool: "exec", argv: ["git", "push"], cwd: "/w" };
const decision = { effect: "ask" as const, rule: "push", reason: "asks" };
let gateway: Gateway | undefined;
const stores: Store[] = [];
const queues: Approvals[] = [];
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  for (const q of queues.splice(0)) q.close();
  for (const s of stores.splice(0)) s.close();
});

async function start() {
  const store = SqliteStore.open(":memory:");
  stores.push(store);
  const audit = AuditLog.open(store);
  const approvals = Approvals.open({ store, audit, config: { feedbackThreshold: 1 } });
  queues.push(approvals);
  const router = new Router();
  for (const r of approvalRoutes({ approvals })) router.add(r);
  gateway = await startGateway({
    host: "127.0.0.1",
    port: 0,
    token: TOKEN,
    router,
    events: new EventBus(),
    onAuthFailure: () => {},
    onError: () => {},
  });
  return { approvals, audit, client: new GatewayClient(gateway.url, TOKEN) };
}

describe("approval routes over HTTP", () => {
  it("lists, approves as the owner, and the waiting task resumes", async () => {
    const { approvals, client } = await start();
    const req = approvals.request({ task: "t1", action, decision });
    const waiting = approvals.wait(req.id);
    const listed = await client.request<{ approvals: Approval[] }>("GET", "/v1/approvals");
    expect(listed.approvals.map((a) => a.id)).toEqual([req.id]);
    const answered = await client.request<Approval>("POST", `/v1/approvals/${req.id}/approve`, { scope: "task" });
    expect(answered).toMatchObject({ state: "approved", scope: "task", answeredBy: "owner" });
    await expect(waiting).resolves.toMatchObject({ state: "approved" });
    expect(await client.request("GET", `/v1/approvals/${req.id}`)).toMatchObject({ state: "approved" });
  });

  it("turns refusals into HTTP errors with their codes", async () => {
    const { approvals, client } = await start();
    const req = approvals.request({ task: "t1", action, decision });
    await client.request("POST", `/v1/approvals/${req.id}/deny`, { reason: "no" });
    await expect(client.request("POST", `/v1/approvals/${req.id}/approve`)).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(client.request("POST", "/v1/approvals/ap_forged/approve")).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(client.request("POST", `/v1/approvals/${req.id}/approve`, { scope: "forever" })).rejects.toMatchObject(
      {
        code: "BAD_REQUEST",
      },
    );
    await expect(client.request("GET", "/v1/approvals?state=bogus")).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const denied = await client.request<{ approvals: Approval[] }>("GET", "/v1/approvals?state=denied");
    expect(denied.approvals.map((a) => a.reason)).toEqual(["no"]);
  });

  it("lists and accepts a proposed rule", async () => {
    const { approvals, client } = await start();
    const req = approvals.request({ task: "t1", action, decision });
    await client.request("POST", `/v1/approvals/${req.id}/approve`);
    const { proposals } = await client.request<{ proposals: RuleProposal[] }>(
      "GET",
      "/v1/rule-proposals?state=proposed",
    );
    expect(proposals).toHaveLength(1);
    const accepted = await client.request<RuleProposal>("POST", `/v1/rule-proposals/${proposals[0]!.id}/accept`);
    expect(accepted).toMatchObject({ state: "accepted", rule: { effect: "allow" } });
  });
});
