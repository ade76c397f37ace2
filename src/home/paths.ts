// Where Warden keeps its state. One folder (the home) holds config, policy, database, token, secrets, logs and task
// workspaces; its location comes from WARDEN_HOME or the XDG data folder, resolved once by the composition root.
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export interface HomePaths {
  readonly root: string;
  readonly config: string;
  readonly policyDir: string;
  readonly database: string;
  readonly token: string;
  readonly runDir: string;
  readonly pidFile: string;
  readonly lockFile: string;
  /** Parsed YAML of unchanged config and policy files, so a restart skips the parser (see yaml-cache.ts). */
  readonly yamlCache: string;
  readonly logDir: string;
  readonly logFile: string;
  /** The encrypted secret store and, without an OS keyring, its key (written by the secrets domain). */
  readonly secretStore: string;
  readonly secretKey: string;
  readonly workspaces: string;
}

/** The environment variables that decide where the home is; read by the composition root only. */
export interface HomeEnv {
  WARDEN_HOME?: string | undefined;
  XDG_DATA_HOME?: string | undefined;
  HOME?: string | undefined;
}

export function resolveHomeRoot(env: HomeEnv): string {
  if (env.WARDEN_HOME) return resolve(env.WARDEN_HOME);
  const data = env.XDG_DATA_HOME || join(env.HOME || homedir(), ".local", "share");
  return join(resolve(data), "warden");
}

export function homePaths(root: string): HomePaths {
  const runDir = join(root, "run");
  const logDir = join(root, "logs");
  return {
    root,
    config: join(root, "warden.yaml"),
    policyDir: join(root, "policy"),
    database: join(root, "state.db"),
    token: join(root, "token"),
    runDir,
    pidFile: join(runDir, "warden.pid"),
    lockFile: join(runDir, "daemon.lock"),
    yamlCache: join(runDir, "yaml-cache.json"),
    logDir,
    logFile: join(logDir, "daemon.log"),
    secretStore: join(root, "secrets.enc"),
    secretKey: join(root, "secrets.key"),
    workspaces: join(root, "workspaces"),
  };
}
