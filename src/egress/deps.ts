// What every egress path (the proxy and the http_request tool) is built from. Passed in by the composition root.
import type { EgressConfig } from "./config.js";
import type { Resolver } from "./resolver.js";
import type { EgressAudit, EgressDecide, Scanner, SecretAccess } from "./types.js";

export interface EgressDeps {
  readonly decide: EgressDecide;
  readonly resolver: Resolver;
  readonly scanner: Scanner;
  readonly secrets: SecretAccess;
  readonly config: EgressConfig;
  readonly audit?: EgressAudit;
  /** Extra CA certificates to trust (tests with a self-signed server). */
  readonly ca?: string | Buffer;
}

export function auditSafely(deps: EgressDeps, event: Parameters<EgressAudit>[0]): void {
  try {
    deps.audit?.(event);
  } catch {
    // The audit sink reports its own failures; egress must not fail open or crash because of it.
  }
}
