// What the container-style backends (bwrap, podman) share: the SANDBOX_UNAVAILABLE error they build, and the probe
// that proves a contained `true` really runs.
import { join } from "node:path";
import { err, type Result, WardenError } from "../errors.js";
import type { Sandbox } from "./types.js";

export const unavailable = (message: string, fix: string, cause?: unknown) =>
  new WardenError("SANDBOX_UNAVAILABLE", message, { fix }, { cause });

/** Run `true` contained, in `<runtimeDir>/probe`; anything but exit 0 is SANDBOX_UNAVAILABLE with `fix`. */
export async function probeTrue(
  sandbox: Pick<Sandbox, "run">,
  runtimeDir: string,
  fix: () => string | Promise<string>,
): Promise<Result<void, WardenError>> {
  const r = await sandbox.run({ argv: ["true"], workspace: join(runtimeDir, "probe") });
  if (!r.ok) return r;
  if (r.value.exitCode !== 0) return err(unavailable(`a contained \`true\` exited ${r.value.exitCode}`, await fix()));
  return { ok: true, value: undefined };
}
