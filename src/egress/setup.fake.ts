// Egress dependencies for tests: a policy that allows every host unless told otherwise, a static resolver, the real
// redactor with the test's secrets, and an audit log kept in memory. For tests only (excluded from the build).
import { bindingsSchema, memorySecretStore, SecretRedactor } from "../secrets/index.js";
import { type EgressConfig, egressConfigSchema } from "./config.js";
import type { EgressDeps } from "./deps.js";
import { staticResolver } from "./resolver.js";
import type { EgressDecide, EgressEvent, EgressQuery } from "./types.js";

export interface TestEgress {
  readonly deps: EgressDeps;
  readonly events: EgressEvent[];
  readonly queries: EgressQuery[];
  readonly resolver: ReturnType<typeof staticResolver>;
}

export interface TestEgressOptions {
  names?: Parameters<typeof staticResolver>[0];
  secrets?: Record<string, string>;
  bindings?: unknown;
  config?: Partial<EgressConfig>;
  decide?: EgressDecide;
  ca?: string;
}

export function testEgress(o: TestEgressOptions = {}): TestEgress {
  const events: EgressEvent[] = [];
  const queries: EgressQuery[] = [];
  const resolver = staticResolver(o.names ?? {});
  const redactor = new SecretRedactor();
  const store = memorySecretStore(o.secrets ?? {});
  for (const [name, value] of Object.entries(o.secrets ?? {})) redactor.add(name, value);
  const decide = o.decide ?? (() => ({ verdict: "allow" as const, reason: "test allows all", rule: "test" }));
  const deps: EgressDeps = {
    decide: (q) => {
      queries.push(q);
      return decide(q);
    },
    resolver,
    scanner: redactor,
    secrets: { bindings: bindingsSchema.parse(o.bindings ?? {}), get: (name) => store.get(name) },
    config: { ...egressConfigSchema.parse({}), ...o.config },
    audit: (e) => events.push(e),
    ...(o.ca ? { ca: o.ca } : {}),
  };
  return { deps, events, queries, resolver };
}
