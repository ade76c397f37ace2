import { Agent, request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import * as z from "zod";
import { WardenError } from "../errors.js";
import { bearerFrom, tokenMatches } from "./auth.js";
import { GatewayClient } from "./client.js";
import { EventBus, type WardenEvent } from "./events.js";
import { Router } from "./router.js";
import { type AuthFailure, type Gateway, startGateway } from "./server.js";

const TOKEN = "t".repeat(43);
let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

type Slow = { started(): void; until: Promise<void> };

async function start(failures: AuthFailure[] = [], events = new EventBus(), slow?: Slow) {
  const router = new Router()
    .add({
      method: "GET",
      path: "/v1/slow",
      handler: async () => {
        slow?.started();
        await slow?.until;
        return { body: { finished: true } };
      },
    })
    .add({ method: "GET", path: "/v1/status", handler: () => ({ body: { ok: true } }) })
    .add({
      method: "POST",
      path: "/v1/echo/:id",
      body: z.strictObject({ n: z.number() }),
      handler: (ctx) => ({ status: 201, body: { id: ctx.params.id, n: ctx.body.n } }),
    })
    .add({
      method: "GET",
      path: "/v1/fail",
      handler: () => {
        throw new WardenError("NOT_FOUND", "no such thing", { fix: "look elsewhere" });
      },
    });
  gateway = await startGateway({
    host: "127.0.0.1",
    port: 0,
    token: TOKEN,
    router,
    events,
    onAuthFailure: (f) => failures.push(f),
    onError: () => {},
  });
  return gateway;
}

function rawGet(port: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/v1/status", headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("auth helpers", () => {
  it("parses only well-formed bearer headers and compares tokens exactly", () => {
    expect(bearerFrom("Bearer abc")).toBe("abc");
    expect(bearerFrom("Basic abc")).toBeUndefined();
    expect(bearerFrom("Bearer a b")).toBeUndefined();
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(tokenMatches("", TOKEN)).toBe(false);
    expect(tokenMatches(undefined, TOKEN)).toBe(false);
  });
});

describe("control plane", () => {
  it("answers an authenticated request and validates bodies", async () => {
    const g = await start();
    const client = new GatewayClient(g.url, TOKEN);
    expect(await client.request("GET", "/v1/status")).toEqual({ ok: true });
    expect(await client.request("POST", "/v1/echo/a%2Fb", { n: 2 })).toEqual({ id: "a/b", n: 2 });
    await expect(client.request("POST", "/v1/echo/x", { n: "2" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(client.request("POST", "/v1/echo/x", { n: 1, extra: 1 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(client.request("GET", "/v1/nope")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(client.request("DELETE", "/v1/status")).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(client.request("GET", "/v1/fail")).rejects.toMatchObject({
      code: "NOT_FOUND",
      details: { fix: "look elsewhere" },
    });
  });

  it("rejects missing and wrong tokens with 401 and reports each failure", async () => {
    const failures: AuthFailure[] = [];
    const g = await start(failures);
    const host = `127.0.0.1:${g.port}`;
    expect(await rawGet(g.port, { host })).toBe(401);
    expect(await rawGet(g.port, { host, authorization: `Bearer ${TOKEN.slice(1)}x` })).toBe(401);
    expect(await rawGet(g.port, { host, authorization: TOKEN })).toBe(401);
    expect(await rawGet(g.port, { host, authorization: `Bearer ${TOKEN}` })).toBe(200);
    expect(failures.map((f) => f.reason)).toEqual(["missing token", "wrong token", "missing token"]);
    await expect(new GatewayClient(g.url, "nope".repeat(11)).request("GET", "/v1/status")).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
  });

  it("refuses requests addressed to another host name (DNS rebinding)", async () => {
    const failures: AuthFailure[] = [];
    const g = await start(failures);
    expect(await rawGet(g.port, { host: `evil.example:${g.port}`, authorization: `Bearer ${TOKEN}` })).toBe(421);
    expect(failures).toEqual([expect.objectContaining({ reason: "bad host" })]);
  });

  it("streams events over an authenticated WebSocket only", async () => {
    const failures: AuthFailure[] = [];
    const events = new EventBus();
    const g = await start(failures, events);
    const received: WardenEvent[] = [];
    const ws = await new GatewayClient(g.url, TOKEN).events((e) => received.push(e));
    events.publish("test.ping", { n: 1 });
    await expect.poll(() => received.map((e) => e.type)).toEqual(["hello", "test.ping"]);
    expect(received[1]!.data).toEqual({ n: 1 });
    ws.close();

    const anon = new WebSocket(`ws://127.0.0.1:${g.port}/v1/events`);
    const outcome = await new Promise<string>((resolve) => {
      anon.on("unexpected-response", (_req, res) => resolve(String(res.statusCode)));
      anon.on("open", () => resolve("open"));
      anon.on("error", () => resolve("error"));
    });
    expect(outcome).toBe("401");
    expect(failures.at(-1)).toMatchObject({ method: "WS", reason: "missing token" });
  });

  it("refuses to bind a non-loopback address and reports a busy port", async () => {
    const router = new Router();
    const base = { token: TOKEN, router, events: new EventBus(), onAuthFailure: () => {}, onError: () => {} };
    await expect(startGateway({ ...base, host: "0.0.0.0", port: 0 })).rejects.toMatchObject({ code: "BIND_REFUSED" });
    const g = await start();
    await expect(startGateway({ ...base, host: "127.0.0.1", port: g.port })).rejects.toMatchObject({
      code: "PORT_IN_USE",
    });
  });

  it("quiesced, answers the requests in flight, refuses new ones, and takes no new connections", async () => {
    let release!: () => void;
    let started!: () => void;
    const reached = new Promise<void>((resolve) => {
      started = resolve;
    });
    const until = new Promise<void>((resolve) => {
      release = resolve;
    });
    const g = await start([], new EventBus(), { started, until });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          { host: "127.0.0.1", port: g.port, path, agent, headers: { authorization: `Bearer ${TOKEN}` } },
          (res) => {
            let body = "";
            res.on("data", (d: Buffer) => {
              body += d.toString();
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on("error", reject);
        req.end();
      });
    const inFlight = get("/v1/slow");
    await reached;
    g.quiesce();
    await expect(new GatewayClient(g.url, TOKEN).request("GET", "/v1/status")).rejects.toMatchObject({
      code: "NOT_RUNNING",
    });
    release();
    expect(await inFlight).toEqual({ status: 200, body: JSON.stringify({ finished: true }) });
    agent.destroy();
  });

  it("reports a daemon that is not there as NOT_RUNNING", async () => {
    const g = await start();
    const url = g.url;
    await g.close();
    gateway = undefined;
    await expect(new GatewayClient(url, TOKEN).request("GET", "/v1/status")).rejects.toMatchObject({
      code: "NOT_RUNNING",
    });
  });
});
