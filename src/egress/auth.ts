// Proxy authentication: an optional token, as Bearer or as the password of Basic, compared in constant time.
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export function authorized(options: { readonly token?: string }, req: IncomingMessage): boolean {
  if (options.token === undefined) return true;
  const header = req.headers["proxy-authorization"] ?? "";
  const [kind, value = ""] = header.split(" ", 2);
  let presented = "";
  if (kind?.toLowerCase() === "bearer") presented = value;
  else if (kind?.toLowerCase() === "basic")
    presented = Buffer.from(value, "base64").toString("utf8").split(":").slice(1).join(":");
  const a = Buffer.from(presented);
  const b = Buffer.from(options.token);
  return a.length === b.length && timingSafeEqual(a, b);
}
