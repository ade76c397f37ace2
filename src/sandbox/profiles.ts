// The built-in default profile and the two functions that turn a profile into limits, without zod: `warden sandbox
// exec` and the daemon's run path need these, not the schema, and loading zod (~25 ms) was the largest part of the
// CLI's start-up once the config came from the YAML cache. The schema with the same defaults is in config.ts;
// config.test.ts checks that it parses {} to exactly DEFAULT_PROFILE.
import type { SandboxConfig, SandboxProfile } from "./config.js";
import type { Limits } from "./types.js";

const MiB = 1024 * 1024;

export const DEFAULT_PROFILE: SandboxProfile = Object.freeze({
  timeoutSec: 120,
  cpuSec: 120,
  memoryBytes: 4096 * MiB,
  processes: 256,
  fileSizeBytes: 512 * MiB,
  tmpBytes: 256 * MiB,
  openFiles: 1024,
  outputBytes: MiB,
  paths: Object.freeze([]) as unknown as SandboxProfile["paths"],
  env: Object.freeze({}),
});

/** The named profile, or the built-in defaults for "default"; undefined for an unknown name. */
export function resolveProfile(config: SandboxConfig, name?: string): SandboxProfile | undefined {
  const key = name ?? config.defaultProfile;
  return config.profiles[key] ?? (key === "default" ? DEFAULT_PROFILE : undefined);
}

export function profileLimits(p: SandboxProfile): Limits {
  return {
    timeoutMs: Math.round(p.timeoutSec * 1000),
    cpuSec: p.cpuSec,
    memoryBytes: p.memoryBytes,
    processes: p.processes,
    fileSizeBytes: p.fileSizeBytes,
    tmpBytes: p.tmpBytes,
    openFiles: p.openFiles,
    outputBytes: p.outputBytes,
  };
}
