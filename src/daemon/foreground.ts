// Running the daemon in this process until it is told to stop (SIGTERM, SIGINT or the API). Reports readiness on the
// fd the background starter gave it, if any. Signals during start-up abort it cleanly.
import { closeSync, writeSync } from "node:fs";
import { loadConfigFile } from "../config/index.js";
import { toWardenError } from "../errors.js";
import { type HomePaths, openYamlCache } from "../home/index.js";
import { createLogger } from "../log/index.js";
import { type CredentialEvent, SecretRedactor } from "../secrets/index.js";
import type { ReadyMessage } from "./background.js";
import { type RunningDaemon, startDaemon } from "./daemon.js";

export interface ForegroundOptions {
  paths: HomePaths;
  version: string;
  /** An id of this build's code (see scripts/bundle.mjs): validated config and policy are cached per build. */
  build?: string;
  uid: number;
  /** The host's environment, for helpers the daemon runs on the host (the OS keyring's secret-tool). */
  hostEnv: Readonly<Record<string, string | undefined>>;
  readyFd: number | undefined;
  /** Called once when the daemon is listening (the CLI prints a line). */
  onReady(daemon: RunningDaemon): void;
}

export async function runForeground(options: ForegroundOptions): Promise<void> {
  const abort = new AbortController();
  let daemon: RunningDaemon | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (daemon) void daemon.stop(`received ${signal}`);
    else abort.abort(signal);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  try {
    // Unchanged YAML is read from the cache (the parser was the slowest part of a cold start); written after ready.
    const yamlCache = openYamlCache(options.paths.yamlCache, options.build);
    const config = loadConfigFile(options.paths.config, yamlCache);
    // One redactor for logs, audit and every output: it learns the stored secret values at start-up, and credentials
    // it finds by format are reported once the audit log exists.
    let onCredential: ((e: CredentialEvent) => void) | undefined;
    const redactor = new SecretRedactor({ onCredential: (e) => onCredential?.(e) });
    const log = createLogger({ level: config.log.level, redactor });
    daemon = await startDaemon({
      ...options,
      config,
      log,
      redactor,
      yamlCache,
      onCredential: (sink) => {
        onCredential = sink;
      },
      signal: abort.signal,
    });
    report(options.readyFd, { ok: true, pid: process.pid, url: daemon.url });
    options.onReady(daemon);
    setImmediate(() => yamlCache.flush());
    await daemon.stopped;
  } catch (e) {
    const error = toWardenError(e);
    report(options.readyFd, { ok: false, pid: process.pid, error: error.toJSON() as ReadyMessage["error"] });
    throw error;
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
}

function report(fd: number | undefined, message: ReadyMessage): void {
  if (fd === undefined) return;
  try {
    writeSync(fd, JSON.stringify(message));
    closeSync(fd);
  } catch {
    // The starter is gone (killed, or timed out): the daemon goes on; the pid file and the log tell the story.
  }
}
