// The CLI's side of the control plane: authenticated JSON requests to the daemon. A daemon that is not listening
// becomes NOT_RUNNING; an error reply becomes the WardenError the daemon described.
import type WebSocket from "ws";
import { fromErrorJson, WardenError } from "../errors.js";
import type { WardenEvent } from "./events.js";

export class GatewayClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new WardenError(
        "NOT_RUNNING",
        `the Warden daemon is not answering at ${this.baseUrl}`,
        { fix: "start it with `warden start` (or check `warden status`)" },
        { cause: e },
      );
    }
    const text = await res.text();
    const json: unknown = text ? JSON.parse(text) : {};
    if (!res.ok) {
      throw fromErrorJson((json as { error?: unknown }).error, `HTTP ${res.status}`);
    }
    return json as T;
  }

  /** Subscribe to the event stream; resolves once connected. Close the returned socket to stop. */
  async events(onEvent: (event: WardenEvent) => void): Promise<WebSocket> {
    const url = new URL("/v1/events", this.baseUrl.replace(/^http/, "ws"));
    // Loaded here: ws pulls in http, https, tls and zlib, which the one-request commands never need.
    const { default: WebSocketClient } = await import("ws");
    const ws = new WebSocketClient(url, { headers: { authorization: `Bearer ${this.token}` } });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(ws));
      ws.once("error", (e) =>
        reject(new WardenError("NOT_RUNNING", `cannot open ${url}: ${e.message}`, {}, { cause: e })),
      );
      ws.on("message", (data) => onEvent(JSON.parse(String(data)) as WardenEvent));
    });
  }
}
