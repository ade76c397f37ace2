// The daemon's composition root: takes the home, the parsed config and a logger, builds every part in order and
// tears them down in reverse. Start-up is interruptible (SIGTERM at any step closes what was opened and leaves the
// home and database intact) and fails closed: any step that fails stops the start with its WardenError.

import type { Config } from "../config/index.js";
import { WardenError } from "../errors.js";
import { EventBus, type Gateway, Router, startGateway } from "../gateway/index.js";
import { assertHomeSafe, type HomePaths, readToken, type YamlCache } from "../home/index.js";
import type { Logger } from "../log/index.js";
import type { CredentialEvent, SecretRedactor } from "../secrets/index.js";
import { SqliteStore, type Store } from "../store/index.js";
import { acquireLock } from "./lock.js";
import { daemonRoutes } from "./routes.js";
import { RunLog } from "./runs.js";
import { type Services, startServices } from "./services.js";
import { collectStartupGarbage } from "./settle.js";

export interface DaemonOptions {
  paths: HomePaths;
  config: Config;
  log: Logger;
  /** The redaction hook the logger and the audit log share; later parts feed it secret values. */
  redactor: SecretRedactor;
  /** Where credentials the redactor finds by format should be reported, once the audit log exists. */
  onCredential(sink: (event: CredentialEvent) => void): void;
  hostEnv: Readonly<Record<string, string | undefined>>;
  version: string;
  uid: number;
  /** Parsed config and policy YAML kept across restarts; flushed once the daemon is ready. */
  yamlCache?: YamlCache;
  /** Aborting it during start-up undoes what was done so far; after start-up, use `stop()`. */
  signal: AbortSignal;
}

export interface RunningDaemon {
  readonly url: string;
  readonly port: number;
  /** Resolves when the daemon has fully stopped, whoever asked it to. */
  readonly stopped: Promise<void>;
  stop(reason: string): Promise<void>;
}

export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const { paths, config, log, signal } = options;
  const undo: Array<() => void | Promise<void>> = [];
  // Milliseconds since start-up began at the end of each step: logged with "daemon ready" (and read by bench/startup).
  const began = performance.now();
  const timings: Record<string, number> = {};
  const checkpoint = (step?: string) => {
    if (step) timings[step] = Math.round((performance.now() - began) * 10) / 10;
    if (signal.aborted) throw new WardenError("INTERRUPTED", "start-up interrupted by a signal; nothing was changed");
  };
  const unwind = async () => {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (e) {
        log.error({ err: e }, "clean-up step failed during shutdown"); // keep unwinding: the rest must still close
      }
    }
  };

  const afterReady: Array<() => void> = [];
  try {
    assertHomeSafe(paths, options.uid);
    const token = readToken(paths);
    checkpoint("home");

    const lock = acquireLock(paths);
    undo.push(() => lock.release());
    checkpoint("lock");

    const store: Store = SqliteStore.open(paths.database, { durability: config.store.durability });
    undo.push(() => store.close());
    const runs = new RunLog(store);
    const previous = runs.begin(process.pid, options.version);
    undo.push(() => runs.end());
    if (previous && !previous.clean) log.warn({ previous }, "the previous daemon run did not stop cleanly");
    checkpoint("store");

    const events = new EventBus();
    const services: Services = await startServices({
      paths,
      config,
      store,
      log,
      redactor: options.redactor,
      hostEnv: options.hostEnv,
      ...(options.yamlCache ? { yamlCache: options.yamlCache } : {}),
      uid: options.uid,
      events,
      onClose: (step) => undo.push(step),
      afterReady: (step) => afterReady.push(step),
      checkpoint,
    });
    options.onCredential((e) => {
      void services.audit.append({ type: "secret.detected", actor: "warden", data: { ...e } });
    });
    checkpoint();

    const startedAt = new Date();
    let stopping: Promise<void> | undefined;
    let resolveStopped!: () => void;
    const stopped = new Promise<void>((resolve) => {
      resolveStopped = resolve;
    });
    // Set once the control plane listens: a stop first stops it taking work, so that requests in flight (a client
    // waiting on its task) get their answers while the parts below shut down; the control plane closes last.
    let quiesce: (() => void) | undefined;
    const stop = (reason: string): Promise<void> => {
      stopping ??= (async () => {
        log.info({ reason }, "daemon stopping");
        events.publish("daemon.stopping", { reason });
        quiesce?.();
        await unwind();
        log.info("daemon stopped");
        resolveStopped();
      })();
      return stopping;
    };

    const router = new Router();
    for (const route of daemonRoutes({
      paths,
      config,
      version: options.version,
      startedAt,
      previous,
      services,
      stop,
    })) {
      router.add(route);
    }
    for (const route of services.routes) router.add(route);
    const gateway: Gateway = await startGateway({
      host: config.gateway.host,
      port: config.gateway.port,
      token,
      router,
      events,
      onAuthFailure: (f) => {
        log.warn({ auth: f }, "control plane request refused");
        void services.audit.append({ type: "auth.failed", actor: `remote:${f.remote}`, data: { ...f } });
      },
      onError: (e, where) => log.error({ err: e, where }, "control plane handler failed"),
    });
    undo.unshift(() => gateway.close()); // unwinding runs in reverse: first in the list closes last
    quiesce = () => gateway.quiesce();
    checkpoint("gateway");

    lock.publish({
      pid: process.pid,
      port: gateway.port,
      url: gateway.url,
      startedAt: startedAt.toISOString(),
      version: options.version,
      egress: {
        socketPath: services.egress.socketPath,
        token: services.egress.token,
        ...(services.egress.caBundle ? { caBundle: services.egress.caBundle } : {}),
      },
    });
    log.info(
      { url: gateway.url, home: paths.root, timings, uptimeMs: Math.round(process.uptime() * 1000) },
      "daemon ready",
    );
    events.publish("daemon.ready", { url: gateway.url });
    for (const step of afterReady) setImmediate(step);
    const settle = collectStartupGarbage();
    undo.push(() => settle.cancel());
    return { url: gateway.url, port: gateway.port, stopped, stop };
  } catch (e) {
    await unwind();
    throw e;
  }
}
