// Name resolution for egress, behind a one-method interface so tests map names to addresses without a DNS server.
// The proxy resolves once per connection and connects to the address it checked; nothing else may resolve again.
import { lookup } from "node:dns/promises";

/** Contract: returns every address of `host` (possibly empty); throws only on resolver failure. */
export interface Resolver {
  resolve(host: string): Promise<string[]>;
}

/** The system resolver (getaddrinfo: /etc/hosts, then DNS), every address in the order the system gives. */
export function systemResolver(): Resolver {
  return {
    async resolve(host) {
      try {
        const all = await lookup(host, { all: true, verbatim: true });
        return all.map((a) => a.address);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOTFOUND" || code === "ENODATA") return [];
        throw e;
      }
    },
  };
}

/**
 * A fixed map of names to addresses, for tests. A function value is called on every lookup (to play a rebinding
 * name that answers differently each time). Unknown names resolve to nothing.
 */
export function staticResolver(
  map: Record<string, string | string[] | (() => string[])>,
): Resolver & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async resolve(host) {
      calls.push(host);
      const entry = map[host];
      if (entry === undefined) return [];
      if (typeof entry === "function") return entry();
      return Array.isArray(entry) ? entry : [entry];
    },
  };
}
