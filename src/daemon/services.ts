// The daemon's core services, built in order on top of the store: the audit log (verified at start-up), the policy
// (loaded fail-closed, then watched), the approval queue. Each one is registered for teardown as soon as it exists,
// so a failure or a signal part-way leaves nothing open. Every service reports to the audit log.
import type { Approvals } from "../approvals/index.js";
import { Approvals as ApprovalQueue, approvalRoutes } from "../approvals/index.js";
import { AuditLog, auditRoutes, ExecutionJournal } from "../audit/index.js";
import type { Config } from "../config/index.js";
import type { EventBus, Route } from "../gateway/index.js";
import type { HomePaths, YamlCache } from "../home/index.js";
import type { Logger } from "../log/index.js";
import { createNodeResolver, type PolicyWatcher, watchPolicyDir } from "../policy/index.js";
import { fileSecretStore, type SecretRedactor, type SecretStore, spawnRunner, syncRedactor } from "../secrets/index.js";
import type { Store } from "../store/index.js";

import { type DaemonAgent, startAgent } from "./agent.js";
import { type DaemonEgress, startDaemonEgress } from "./egress.js";

export interface Services {
  audit: AuditLog;
  executions: ExecutionJournal;
  policy: PolicyWatcher;
  approvals: Approvals;
  secrets: SecretStore;
  egress: DaemonEgress;
  agent: DaemonAgent;
  routes: Route[];
}

export interface ServiceDeps {
  paths: HomePaths;
  config: Config;
  store: Store;
  log: Logger;
  redactor: SecretRedactor;
  hostEnv: Readonly<Record<string, string | undefined>>;
  uid: number;
  events: EventBus;
  yamlCache?: YamlCache;
  /** Marks the end of a start-up step (for the timings in the "ready" log line); throws if start-up was aborted. */
  checkpoint(step: string): void;
  /** Run a step once the daemon is ready (the API answers); never if the start fails. */
  afterReady(step: () => void): void;
  /** Register a teardown step; steps run in reverse order. */
  onClose(step: () => void | Promise<void>): void;
}

export async function startServices(deps: ServiceDeps): Promise<Services> {
  const { config, log, events } = deps;

  // Secret values first: from here on nothing may be logged or audited without them being redacted. A store that
  // exists but cannot be read (wrong key, tampered file) stops the start: never a silently empty store.
  const secrets = fileSecretStore({
    home: deps.paths.root,
    run: spawnRunner(deps.hostEnv),
    keySource: config.secrets.keySource,
  });
  const known = await syncRedactor(deps.redactor, secrets);
  log.info({ secrets: known }, "secret values registered with the redactor");
  deps.checkpoint("secrets");

  const audit = AuditLog.open(deps.store, { redactor: deps.redactor });
  deps.onClose(() => audit.close());
  if (config.audit.verifyOnStart) {
    // The whole chain is checked in the background, page by page, once the daemon is ready: a long history must not
    // delay the start, and a broken chain never stopped it anyway (refusing would hide nothing). A stop aborts the
    // walk between pages; the teardown waits for it before the log closes.
    const stop = new AbortController();
    let verifying: Promise<void> | undefined;
    deps.afterReady(() => {
      verifying = audit
        .verifyInBackground(stop.signal, "warden")
        .then((verdict) => {
          if (verdict === undefined || verdict.ok) return;
          log.error({ verdict }, "AUDIT LOG FAILED VERIFICATION: it was edited, truncated or reordered");
          events.publish("audit.broken", { ...verdict });
        })
        .catch((e: unknown) => log.error({ err: e }, "audit verification could not run"));
    });
    deps.onClose(async () => {
      stop.abort();
      await verifying;
    });
  }

  deps.checkpoint("audit");

  // Every committed event also goes out on the event stream (`warden audit tail -f`, the web UI).
  deps.onClose(audit.follow((event) => events.publish("audit.event", { ...event })));

  // Anything that was running when the last daemon died is marked interrupted and reported, never re-run.
  const executions = ExecutionJournal.open(deps.store, audit);
  const interrupted = executions.recoverInterrupted();
  if (interrupted.length > 0) log.warn({ interrupted: interrupted.map((e) => e.id) }, "actions interrupted by a crash");

  const policy = watchPolicyDir(deps.paths.policyDir, {
    resolver: createNodeResolver({ pathEnv: config.policy.sandboxPath }),
    ...(deps.yamlCache ? { yamlCache: deps.yamlCache } : {}),
    debounceMs: config.policy.reloadDebounceMs,
    pollMs: config.policy.reloadPollMs,
    onReload: (p) => {
      deps.yamlCache?.flush();
      log.info({ version: p.version, rules: p.rules.length }, "policy reloaded");
      void audit.append({
        type: "policy.changed",
        actor: "owner",
        data: { version: p.version, rules: p.rules.length },
      });
      events.publish("policy.changed", { version: p.version });
    },
    onError: (e) => {
      log.error({ err: e.message }, "POLICY EDIT REJECTED: the previous policy stays in force");
      void audit.append({ type: "policy.changed", actor: "owner", data: { rejected: true, error: e.message } });
      events.publish("policy.rejected", { error: e.message });
    },
  });
  if (!policy.ok) throw policy.error; // An invalid policy at start-up stops the start: never an empty policy.
  deps.onClose(() => policy.value.close());
  const current = policy.value.current();
  await audit.append({ type: "policy.changed", actor: "warden", data: { version: current.version, loaded: true } });
  deps.checkpoint("policy");

  const approvals = ApprovalQueue.open({
    store: deps.store,
    audit,
    config: config.approvals,
    emit: (event) => events.publish(event.type, { ...event }),
  });
  deps.onClose(() => approvals.close());
  deps.checkpoint("approvals");

  const egress = await startDaemonEgress({ config, policy: policy.value, audit, redactor: deps.redactor, secrets });
  deps.onClose(() => egress.close());
  deps.checkpoint("egress");

  const agent = await startAgent({
    ...deps,
    secrets,
    audit,
    executions,
    policy: policy.value,
    approvals,
    egress: { socketPath: egress.socketPath, token: egress.token },
  });
  deps.checkpoint("agent");

  return {
    audit,
    executions,
    policy: policy.value,
    approvals,
    secrets,
    egress,
    agent,
    routes: [
      ...agent.routes,
      ...auditRoutes(audit, executions),
      ...approvalRoutes({ approvals }),
      {
        // `warden secrets set|rm` writes the store directly, then asks the daemon to learn the new values.
        method: "POST",
        path: "/v1/secrets/reload",
        handler: async () => ({ body: { secrets: await syncRedactor(deps.redactor, secrets) } }),
      },
    ],
  };
}
