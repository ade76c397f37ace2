// Starting the daemon in the background: the CLI re-runs itself as `warden start --foreground`, detached, with its
// output appended to logs/daemon.log and a pipe on fd 3 on which the child reports "ready" or the error that stopped
// it. The parent returns only once it knows which.
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { fromErrorJson, WardenError } from "../errors.js";
import type { HomePaths } from "../home/index.js";

export interface ReadyMessage {
  ok: boolean;
  pid: number;
  url?: string;
  error?: { code: string; message: string; fix?: string };
}

export interface SpawnOptions {
  paths: HomePaths;
  execPath: string;
  entry: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export async function spawnDaemon(options: SpawnOptions): Promise<ReadyMessage> {
  const log = openSync(options.paths.logFile, "a", 0o600);
  const child = spawn(options.execPath, [options.entry, "start", "--foreground"], {
    detached: true,
    stdio: ["ignore", log, log, "pipe"],
    env: { ...options.env, WARDEN_READY_FD: "3" },
  });
  closeSync(log);
  const pipe = child.stdio[3];
  if (!pipe) throw new WardenError("INTERNAL", "no readiness pipe to the daemon");
  const message = await new Promise<ReadyMessage>((resolve) => {
    let text = "";
    const timer = setTimeout(() => {
      resolve(failure(child.pid, "TIMEOUT", "the daemon did not report ready in time", options.paths.logFile));
    }, options.timeoutMs ?? 15_000);
    pipe.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
    });
    pipe.on("close", () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(text) as ReadyMessage);
      } catch {
        resolve(failure(child.pid, "INTERNAL", "the daemon exited during start-up", options.paths.logFile));
      }
    });
  });
  pipe.destroy();
  child.unref();
  if (!message.ok) throw fromErrorJson(message.error, "the daemon failed to start");
  return message;
}

function failure(pid: number | undefined, code: string, message: string, logFile: string): ReadyMessage {
  return { ok: false, pid: pid ?? 0, error: { code, message, fix: `read ${logFile}` } };
}
