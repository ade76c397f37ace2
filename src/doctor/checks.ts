// `warden doctor`: every check that decides whether Warden can run safely on this machine, each with the fix for a
// failure. A check never changes anything. The sandbox check really starts a sandbox; the port check really binds.
import { createServer } from "node:net";
import { type Config, loadConfigFile } from "../config/index.js";
import { lockHeld, readPidFile } from "../daemon/locate.js";
import { toWardenError } from "../errors.js";
import { checkHome, type HomePaths, readToken } from "../home/index.js";
import { probeSandbox } from "../sandbox/index.js";
import { SqliteStore } from "../store/index.js";
import { checkModel } from "./model.js";

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export interface CheckResult {
  id: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export interface DoctorOptions {
  paths: HomePaths;
  uid: number;
  nodeVersion: string;
  /** Overridable for tests; defaults to /usr/bin/bwrap. */
  bwrapPath?: string;
  /** Overridable for tests: the local model servers probed, and where the embedded engine is looked for. */
  modelCandidates?: readonly { name: string; baseUrl: string }[];
  engineDirs?: readonly string[];
}

const MIN_NODE_MAJOR = 20;

export async function runDoctor(options: DoctorOptions): Promise<CheckResult[]> {
  const { paths } = options;
  const results: CheckResult[] = [checkNode(options.nodeVersion)];

  const problems = checkHome(paths, options.uid);
  results.push(
    problems.length === 0
      ? { id: "home", status: "ok", detail: `${paths.root} (owner only)` }
      : {
          id: "home",
          status: "fail",
          detail: problems.map((p) => `${p.path} ${p.problem}`).join("; "),
          fix: problems[0]!.fix,
        },
  );

  let config: Config | undefined;
  try {
    config = loadConfigFile(paths.config);
    results.push({ id: "config", status: "ok", detail: `${paths.config} is valid` });
  } catch (e) {
    const error = toWardenError(e);
    results.push({ id: "config", status: "fail", detail: error.message, fix: error.details.fix });
  }

  results.push(attempt("token", () => `${readToken(paths).length}-character token in ${paths.token}`));
  results.push(attempt("database", () => checkDatabase(paths)));

  results.push(await checkSandbox(config, options));

  results.push(config ? await checkPort(paths, config) : skipped("port", "config is invalid"));
  results.push(
    config
      ? await checkModel(config, {
          homeRoot: paths.root,
          ...(options.modelCandidates ? { candidates: options.modelCandidates } : {}),
          ...(options.engineDirs ? { engineDirs: options.engineDirs } : {}),
        })
      : skipped("model", "config is invalid"),
  );
  return results;
}

async function checkSandbox(config: Config | undefined, options: DoctorOptions): Promise<CheckResult> {
  if (config?.sandbox.backend === "none") {
    return {
      id: "sandbox",
      status: "fail",
      detail: "SANDBOX DISABLED (sandbox.backend: none): commands run directly on this machine",
      fix: "set sandbox.backend: bwrap in warden.yaml",
    };
  }
  // Probe exactly as real runs start: same bwrap binary, and as the unprivileged uid when Warden runs as root.
  const bwrapPath = options.bwrapPath ?? config?.sandbox.bwrapPath;
  const runAs =
    options.uid === 0 && config ? { uid: config.sandbox.runAsUid, gid: config.sandbox.runAsGid } : undefined;
  const podman = config?.sandbox.backend === "podman";
  const docker = config?.sandbox.backend === "docker";
  const probe = await probeSandbox({
    ...(bwrapPath ? { bwrapPath } : {}),
    ...(runAs ? { runAs } : {}),
    ...(podman && config
      ? {
          backend: "podman" as const,
          podmanPath: config.sandbox.podmanPath,
          ...(config.sandbox.podmanRuntime ? { podmanRuntime: config.sandbox.podmanRuntime } : {}),
        }
      : {}),
    ...(docker && config
      ? {
          backend: "docker" as const,
          dockerPath: config.sandbox.dockerPath,
          ...(config.sandbox.dockerHost ? { dockerHost: config.sandbox.dockerHost } : {}),
        }
      : {}),
  });
  if (!probe.ok) return { id: "sandbox", status: "fail", detail: probe.error.message, fix: probe.error.details.fix };
  const as = runAs ? ` as uid ${runAs.uid}` : "";
  const engine = podman
    ? `podman ${probe.value.version} started a container`
    : docker
      ? `docker engine ${probe.value.version} started a container`
      : `bubblewrap ${probe.value.version} started a sandbox`;
  return { id: "sandbox", status: "ok", detail: `${engine}${as}` };
}

function checkNode(version: string): CheckResult {
  const major = Number(/^v?(\d+)/.exec(version)?.[1] ?? 0);
  return major >= MIN_NODE_MAJOR
    ? { id: "node", status: "ok", detail: `Node.js ${version}` }
    : {
        id: "node",
        status: "fail",
        detail: `Node.js ${version} is too old (need ${MIN_NODE_MAJOR} or newer)`,
        fix: "install Node.js 20, 22 or 24 (e.g. from nodesource or your distribution)",
      };
}

function checkDatabase(paths: HomePaths): string {
  let store: SqliteStore;
  try {
    store = SqliteStore.open(paths.database, { readonly: true });
  } catch (e) {
    const error = toWardenError(e);
    // A home that has never been started has no database yet: that is fine.
    if ((error.cause as { code?: string } | undefined)?.code === "SQLITE_CANTOPEN")
      return "not created yet (first start creates it)";
    throw error;
  }
  try {
    const row = store.prepare("PRAGMA quick_check").get() as { quick_check: string };
    if (row.quick_check !== "ok") throw new Error(`integrity check failed: ${row.quick_check}`);
    return `${paths.database} passes its integrity check`;
  } finally {
    store.close();
  }
}

async function checkPort(paths: HomePaths, config: Config): Promise<CheckResult> {
  const { host, port } = config.gateway;
  if (lockHeld(paths)) {
    const info = readPidFile(paths);
    return {
      id: "port",
      status: "ok",
      detail: `in use by this Warden (pid ${info?.pid ?? "?"}) at ${info?.url ?? "?"}`,
    };
  }
  const free = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
  return free
    ? { id: "port", status: "ok", detail: `${host}:${port} is free` }
    : {
        id: "port",
        status: "fail",
        detail: `${host}:${port} is used by another program`,
        fix: `find it with \`ss -ltnp 'sport = :${port}'\`, or set gateway.port in ${paths.config}`,
      };
}

function attempt(id: string, fn: () => string): CheckResult {
  try {
    return { id, status: "ok", detail: fn() };
  } catch (e) {
    const error = toWardenError(e);
    return { id, status: "fail", detail: error.message, fix: error.details.fix ?? "run `warden init`" };
  }
}

function skipped(id: string, why: string): CheckResult {
  return { id, status: "skip", detail: `skipped: ${why}` };
}
