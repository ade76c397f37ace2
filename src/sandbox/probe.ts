// probeSandbox: proves that a real bubblewrap sandbox with Warden's full profile (every namespace, seccomp,
// rlimits), or with backend podman or docker a real container with the same profile, starts on this host, or says in one line
// how to fix it. Used by `warden doctor`. It never reports success without having run `true` inside the sandbox, and
// never runs anything outside one.
import { err, ok, type Result, type WardenError } from "../errors.js";
import { BwrapSandbox } from "./bwrap.js";
import { DockerSandbox } from "./docker.js";
import { bwrapVersion } from "./host.js";
import { PodmanSandbox } from "./podman.js";
import { DEFAULT_PROFILE, profileLimits } from "./profiles.js";
import type { Sandbox } from "./types.js";

export interface ProbeOptions {
  /** Which backend to prove; default bwrap. */
  backend?: "bwrap" | "podman" | "docker";
  /** For podman: the binary (default /usr/bin/podman) and the OCI runtime (sandbox.podmanRuntime). */
  podmanPath?: string;
  podmanRuntime?: string;
  /** For docker: the CLI (default /usr/bin/docker) and the engine's socket (sandbox.dockerHost). */
  dockerPath?: string;
  dockerHost?: string;
  /** The bubblewrap binary; default `/usr/bin/bwrap`. PATH is never searched (no ambient lookup). */
  bwrapPath?: string;
  /** Host uid/gid used when this process is root (default 65534:65534), as real runs do. */
  runAs?: { uid: number; gid: number };
}

export interface ProbeValue {
  backend: "bwrap" | "podman" | "docker";
  version: string;
}

export const DEFAULT_BWRAP = "/usr/bin/bwrap";

export async function probeSandbox(opts: ProbeOptions = {}): Promise<Result<ProbeValue, WardenError>> {
  const runAs = opts.runAs ? { runAs: opts.runAs } : {};
  if (opts.backend === "podman") {
    const podman = new PodmanSandbox({
      defaultLimits: { ...profileLimits(DEFAULT_PROFILE), timeoutMs: 60_000 },
      ...(opts.podmanPath ? { enginePath: opts.podmanPath } : {}),
      ...(opts.podmanRuntime ? { ociRuntime: opts.podmanRuntime } : {}),
      ...runAs,
    });
    return probeOnce(podman, "podman");
  }
  if (opts.backend === "docker") {
    const docker = new DockerSandbox({
      defaultLimits: { ...profileLimits(DEFAULT_PROFILE), timeoutMs: 60_000 },
      ...(opts.dockerPath ? { enginePath: opts.dockerPath } : {}),
      ...(opts.dockerHost ? { host: opts.dockerHost } : {}),
      ...runAs,
    });
    return probeOnce(docker, "docker");
  }
  const bwrapPath = opts.bwrapPath ?? DEFAULT_BWRAP;
  const version = await bwrapVersion(bwrapPath);
  if (!version.ok) return version;
  const sandbox = new BwrapSandbox({
    bwrapPath,
    defaultLimits: { ...profileLimits(DEFAULT_PROFILE), timeoutMs: 20_000 },
    ...runAs,
  });
  return probeOnce(sandbox, "bwrap", version.value);
}

/** Runs `true` in a Sandbox made for the probe, then closes it (its runtime folder goes with it). */
async function probeOnce(
  sandbox: Sandbox & { close(): Promise<void> },
  backend: ProbeValue["backend"],
  version?: string,
): Promise<Result<ProbeValue, WardenError>> {
  try {
    const r = await sandbox.probe();
    return r.ok ? ok({ backend, version: version ?? r.value.version }) : err(r.error);
  } finally {
    await sandbox.close();
  }
}
