// Builds the configured Sandbox backend. The composition root calls it once; nothing here runs a command.
// Fails closed: an unavailable or unimplemented backend is an error, never a quiet switch to another one.
import { err, ok, type Result, WardenError } from "../errors.js";
import { BwrapSandbox } from "./bwrap.js";
import type { SandboxConfig } from "./config.js";
import { DockerSandbox } from "./docker.js";
import { NoneSandbox } from "./none.js";
import type { ForbiddenPath } from "./plan.js";
import { PodmanSandbox } from "./podman.js";
import { DEFAULT_PROFILE, profileLimits, resolveProfile } from "./profiles.js";
import type { Sandbox } from "./types.js";

export interface SandboxDeps {
  /** Warden's home and anything else no sandbox may see or be granted. */
  forbiddenPaths: readonly ForbiddenPath[];
  /** Parent of the private runtime folder (synthetic /etc); default the OS temp folder. */
  runtimeParent?: string;
  /** Node binary for the in-sandbox egress bridge; default process.execPath. */
  nodePath?: string;
}

export type ClosableSandbox = Sandbox & { close?(): Promise<void> };

export function createSandbox(config: SandboxConfig, deps: SandboxDeps): Result<ClosableSandbox, WardenError> {
  const profile = resolveProfile(config) ?? DEFAULT_PROFILE;
  const defaultLimits = profileLimits(profile);
  switch (config.backend) {
    case "bwrap":
      return ok(
        new BwrapSandbox({
          bwrapPath: config.bwrapPath,
          runAs: { uid: config.runAsUid, gid: config.runAsGid },
          forbiddenPaths: deps.forbiddenPaths,
          defaultLimits,
          ...(deps.runtimeParent ? { runtimeParent: deps.runtimeParent } : {}),
          ...(deps.nodePath ? { nodePath: deps.nodePath } : {}),
        }),
      );
    case "none":
      if (!config.allowUnsandboxed)
        return err(
          new WardenError("SANDBOX_UNAVAILABLE", "sandbox.backend none needs sandbox.allowUnsandboxed: true", {
            fix: "use sandbox.backend: bwrap",
          }),
        );
      return ok(
        new NoneSandbox({
          defaultLimits,
          forbiddenPaths: deps.forbiddenPaths,
          runAs: { uid: config.runAsUid, gid: config.runAsGid },
        }),
      );
    case "podman":
      return ok(
        new PodmanSandbox({
          enginePath: config.podmanPath,
          ...(config.podmanRuntime ? { ociRuntime: config.podmanRuntime } : {}),
          runAs: { uid: config.runAsUid, gid: config.runAsGid },
          forbiddenPaths: deps.forbiddenPaths,
          defaultLimits,
          ...(deps.runtimeParent ? { runtimeParent: deps.runtimeParent } : {}),
        }),
      );
    case "docker":
      return ok(
        new DockerSandbox({
          enginePath: config.dockerPath,
          ...(config.dockerHost ? { host: config.dockerHost } : {}),
          runAs: { uid: config.runAsUid, gid: config.runAsGid },
          forbiddenPaths: deps.forbiddenPaths,
          defaultLimits,
          ...(deps.runtimeParent ? { runtimeParent: deps.runtimeParent } : {}),
        }),
      );
    default:
      return err(
        new WardenError("SANDBOX_UNAVAILABLE", `sandbox backend ${config.backend} is not implemented`, {
          fix: "use sandbox.backend: bwrap (apt-get install bubblewrap)",
        }),
      );
  }
}
