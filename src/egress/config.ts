// The `egress:` section of warden.yaml. Every field has a default: an absent section means no internal address is
// reachable, responses are capped at 1 MiB and CONNECT is for port 443 only.
import * as z from "zod";
import { canonicalAddress } from "./address.js";

const address = z.lazy(() =>
  z.string().transform((s, ctx) => {
    const canonical = canonicalAddress(s);
    if (canonical === undefined) {
      ctx.addIssue({ code: "custom", message: `${s} is not an IP address (exact addresses only, no ranges)` });
      return z.NEVER;
    }
    return canonical;
  }),
);

/** `host`, `*.domain` (any name below it) or either with `:port`; lower-cased. */
const passThroughEntry = z.lazy(() =>
  z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(
      z
        .string()
        .regex(
          /^(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*(:\d{1,5})?$/,
          "a host name, *.domain, or either with :port (no schemes, paths or other wildcards)",
        ),
    ),
);

export const egressTlsSchema = z.lazy(() =>
  z.strictObject({
    /** Terminate CONNECT tunnels with the daemon's own CA so each request inside is checked like plain HTTP. */
    intercept: z.boolean().default(true),
    /** Hosts whose tunnels stay opaque (certificate pinning, client certificates): decided on host and port only. */
    passThrough: z.array(passThroughEntry).default([]),
    /**
     * PEM files of extra CAs that upstream servers may chain to (an internal CA), trusted besides the public roots
     * Node ships, by the proxy and by http_request. Verification itself is never off.
     */
    trust: z.array(z.string().min(1).max(4096)).default([]),
  }),
);

export const egressConfigSchema = z.lazy(() =>
  z.strictObject({
    /** Internal addresses (loopback, private, ...) that may be reached anyway: exact addresses, no ranges, no names. */
    allowAddresses: z.array(address).default([]),
    /** Decoded response body cap; the rest is cut and the result marked truncated. */
    maxResponseBytes: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
    /** Cap for responses relayed by the proxy to the sandbox (downloads); the connection is cut beyond it. */
    proxyMaxResponseBytes: z
      .number()
      .int()
      .positive()
      .default(256 * 1024 * 1024),
    /** Request bodies are held in full so the exfiltration guard sees all of them before anything is sent. */
    maxRequestBodyBytes: z
      .number()
      .int()
      .positive()
      .default(8 * 1024 * 1024),
    maxRedirects: z.number().int().min(0).max(20).default(5),
    timeoutMs: z.number().int().positive().default(30_000),
    /** Ports CONNECT may reach; the tunnel must start with a TLS handshake. */
    connectPorts: z.array(z.number().int().min(1).max(65535)).default([443]),
    tls: egressTlsSchema.default({ intercept: true, passThrough: [], trust: [] }),
  }),
);
export type EgressConfig = z.infer<typeof egressConfigSchema>;

/** Whether a CONNECT to host:port is configured to stay an opaque tunnel. */
export function passesThrough(list: readonly string[], host: string, port: number): boolean {
  return list.some((entry) => {
    const [pattern = "", p] = entry.split(":");
    if (p !== undefined && Number(p) !== port) return false;
    return pattern.startsWith("*.") ? host.endsWith(pattern.slice(1)) : host === pattern;
  });
}
