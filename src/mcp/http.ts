// The fetch the SDK's streamable HTTP transport uses: every request goes through Warden's egress path (the same code
// as the http_request tool: strict URL parsing, secret placement and the exfiltration guard, the policy's decide, the
// address checks against SSRF, capped and redacted answers). Redirects are followed there, each hop checked again.
// The standalone GET event stream (server-initiated messages) is not opened: it would hold a connection for as long as
// the server likes, and Warden only needs answers to its own requests. The server sees a 405, which the protocol
// allows.
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { HttpTool } from "../egress/index.js";

/** Statuses whose Response must have no body (the Response constructor throws otherwise). */
const NO_BODY = new Set([101, 103, 204, 205, 304]);

export function egressFetch(tool: Pick<HttpTool, "run">): FetchLike {
  return async (url, init) => {
    const method = (init?.method ?? "GET").toUpperCase();
    if (method === "GET") return new Response(null, { status: 405, statusText: "not opened by Warden" });
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const body = init?.body;
    if (body !== undefined && body !== null && typeof body !== "string")
      throw new TypeError("Warden's MCP fetch sends text bodies only");
    const answer = await tool.run({ method, url: String(url), headers, ...(body ? { body } : {}) });
    // A refused or failed request is a network error to the SDK, as fetch would report it; the reason is redacted.
    if (!answer.ok) throw new TypeError(`${answer.error.code}: ${answer.error.reason}`);
    if (answer.binary) throw new TypeError("the MCP server answered with a binary body");
    if (answer.truncated)
      throw new TypeError(`the MCP server's answer is over the size cap (${answer.bytes} bytes read)`);
    const status = answer.status >= 200 && answer.status <= 599 ? answer.status : 502;
    // The body is already decoded: drop what described the encoded form.
    const { "content-encoding": _enc, "content-length": _len, ...kept } = answer.headers;
    return new Response(NO_BODY.has(status) ? null : answer.body, { status, headers: kept });
  };
}
