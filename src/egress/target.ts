// Parsing a destination the agent asked for (a URL, or a CONNECT authority) into one canonical target, refusing every
// spelling that different parsers read differently: userinfo, backslashes, whitespace, percent-encoded hosts, zone
// ids, and IPv4 written in decimal, octal, hex or short form. What is decided on is exactly what is connected to.
// No DNS here and no policy: see check.ts.
import { isIPv4 } from "node:net";
import { canonicalAddress } from "./address.js";

export type Scheme = "http" | "https";

export interface Target {
  readonly scheme: Scheme;
  /** Lower-case host name without a trailing dot, or a canonical IP address (IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
  /** The URL's path (percent-encoded as sent), `/` at least. */
  readonly path: string;
  /** `?...` or empty. */
  readonly search: string;
  readonly ip: boolean;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const refuse = (reason: string): Parsed<never> => ({ ok: false, reason });

/** Parse an absolute http(s) URL. */
export function parseUrl(raw: string): Parsed<Target> {
  if (raw.length > 8192) return refuse("URL longer than 8192 characters");
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) return refuse("URL contains whitespace or control characters");
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(raw)?.[1]?.toLowerCase();
  if (scheme === undefined) return refuse("not an absolute URL");
  if (scheme !== "http" && scheme !== "https") return refuse(`scheme ${scheme}: is not allowed (only http and https)`);
  const afterScheme = raw.slice(scheme.length + 1);
  const head = afterScheme.split(/[?#]/, 1)[0] ?? "";
  if (head.includes("\\")) return refuse("backslash in the URL's authority or path");
  if (!afterScheme.startsWith("//")) return refuse("URL without // after the scheme");
  const authority = afterScheme.slice(2).split(/[/?#]/, 1)[0] ?? "";
  const rawHost = checkAuthority(authority);
  if (!rawHost.ok) return rawHost;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse("URL does not parse");
  }
  if (url.username !== "" || url.password !== "") return refuse("credentials in the URL");
  // The parser's host (lower case, IDNA to punycode) is checked again: it is what is decided on and connected to.
  const host = checkHost(url.hostname);
  if (!host.ok) return host;
  if (host.value.ip && /[^\x00-\x7f]/.test(authority)) return refuse("IP address written with non-ASCII characters");
  return {
    ok: true,
    value: {
      scheme,
      host: host.value.host,
      port: url.port === "" ? (scheme === "http" ? 80 : 443) : Number(url.port),
      path: url.pathname || "/",
      search: url.search,
      ip: host.value.ip,
    },
  };
}

/** Parse a CONNECT request's `host:port` (the port is required). */
export function parseConnectAuthority(raw: string): Parsed<{ host: string; port: number; ip: boolean }> {
  if (/[\s\u0000-\u001f\u007f/?#\\]/.test(raw)) return refuse("malformed CONNECT authority");
  const m = /^(\[[^\]]*\]|[^:]*):(\d{1,5})$/.exec(raw);
  if (m === null) return refuse("CONNECT needs host:port");
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return refuse(`port ${port} out of range`);
  const host = checkHost(m[1]!);
  return host.ok ? { ok: true, value: { ...host.value, port } } : host;
}

function checkAuthority(authority: string): Parsed<{ host: string; ip: boolean }> {
  if (authority.includes("@")) return refuse("credentials (userinfo) in the URL");
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d{0,5}))?$/.exec(authority);
  if (m === null) return refuse("malformed host or port");
  if (m[2] !== undefined && m[2] !== "" && (Number(m[2]) < 1 || Number(m[2]) > 65535)) {
    return refuse(`port ${m[2]} out of range`);
  }
  const host = m[1]!;
  // Non-ASCII names are fine here (the URL parser converts them); the numeric and encoded spellings are not.
  if (/^[^[]*[^\x00-\x7f]/.test(host)) return { ok: true, value: { host, ip: false } };
  return checkHost(host);
}

function checkHost(rawHost: string): Parsed<{ host: string; ip: boolean }> {
  if (rawHost === "") return refuse("empty host");
  if (rawHost.includes("%")) return refuse("percent-encoded host or IPv6 zone id");
  if (rawHost.startsWith("[")) {
    const ip = canonicalAddress(rawHost);
    return ip === undefined ? refuse("malformed IPv6 literal") : { ok: true, value: { host: ip, ip: true } };
  }
  const host = rawHost.toLowerCase().replace(/\.$/, "");
  const labels = host.split(".");
  const last = labels[labels.length - 1] ?? "";
  // WHATWG URL parsing reads a host whose last label is numeric as an IPv4 address in any base and with any number
  // of parts; only the plain dotted-decimal spelling is accepted, so the address is obvious to anyone reading a rule.
  if (/^(0x[0-9a-f]*|[0-9]+)$/.test(last)) {
    if (!isIPv4(host) || canonicalAddress(host) !== host) return refuse(`non-canonical IPv4 address ${rawHost}`);
    return { ok: true, value: { host, ip: true } };
  }
  if (host.length > 253 || !/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(host) || labels.some((l) => l.length > 63)) {
    return refuse(`invalid host name ${JSON.stringify(rawHost)}`);
  }
  if (host === "localhost" || host.endsWith(".localhost")) return refuse("loopback host name");
  return { ok: true, value: { host, ip: false } };
}
