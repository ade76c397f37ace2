// Public API of the sandbox domain: everything other domains may use lives behind this file.
// The fake for tests lives in ./sandbox.fake.ts (FakeSandbox), imported directly by tests only.
export { type BwrapOptions, BwrapSandbox } from "./bwrap.js";
export {
  DEFAULT_PROFILE,
  profileLimits,
  resolveProfile,
  type SandboxConfig,
  type SandboxProfile,
  sandboxConfigSchema,
  sandboxProfileSchema,
} from "./config.js";
export { type ClosableSandbox, createSandbox, type SandboxDeps } from "./create.js";
export { type DockerOptions, DockerSandbox } from "./docker.js";
export { EXIT_TIMEOUT, type SandboxExecRequest, sandboxExec } from "./exec.js";
export { NoneSandbox } from "./none.js";
export { type PodmanOptions, PodmanSandbox } from "./podman.js";
export { DEFAULT_BWRAP, type ProbeOptions, type ProbeValue, probeSandbox } from "./probe.js";
export { SENSITIVE_WORKSPACE_PATHS } from "./profile.js";
export { BLOCKED_SYSCALLS, buildSeccompFilter, ENOSYS_SYSCALLS, ociSeccompProfile } from "./seccomp.js";
export type {
  CommandSpec,
  LimitHit,
  Limits,
  NetMode,
  PathGrant,
  RunResult,
  Sandbox,
  SandboxBackend,
  SandboxInfo,
} from "./types.js";
