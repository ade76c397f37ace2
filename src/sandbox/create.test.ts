// createSandbox: the configured backend or an error, never a quiet switch; none is never host root.
import { chmod, chown } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { sandboxConfigSchema } from "./config.js";
import { createSandbox } from "./create.js";

const base = sandboxConfigSchema.parse({});

describe("createSandbox", () => {
  it("builds the bwrap backend by default", () => {
    const r = createSandbox(base, { forbiddenPaths: [] });
    expect(r.ok && r.value.backend).toBe("bwrap");
  });

  it("builds the docker backend when configured; a missing CLI fails closed at the first run, never elsewhere", async () => {
    await using dir = await tempDir();
    const r = createSandbox(
      { ...base, backend: "docker", dockerPath: `${dir.path}/no-docker` },
      { forbiddenPaths: [] },
    );
    expect(r.ok && r.value.backend).toBe("docker");
    if (!r.ok) return;
    const run = await r.value.run({ argv: ["true"], workspace: dir.path });
    expect(!run.ok && run.error.code).toBe("SANDBOX_UNAVAILABLE");
    expect(!run.ok && run.error.message).toMatch(/docker not found/);
    await r.value.close?.();
  });

  it("builds the podman backend when configured; a missing engine fails closed at the first run", async () => {
    await using dir = await tempDir();
    const r = createSandbox(
      { ...base, backend: "podman", podmanPath: `${dir.path}/no-podman` },
      { forbiddenPaths: [] },
    );
    expect(r.ok && r.value.backend).toBe("podman");
    if (!r.ok) return;
    const run = await r.value.run({ argv: ["true"], workspace: dir.path });
    expect(!run.ok && run.error.code).toBe("SANDBOX_UNAVAILABLE");
    expect(!run.ok && run.error.details.fix).toContain("podman");
    await r.value.close?.();
  });

  it("refuses none unless allowUnsandboxed is set", () => {
    const r = createSandbox({ ...base, backend: "none" }, { forbiddenPaths: [] });
    expect(!r.ok && r.error.code).toBe("SANDBOX_UNAVAILABLE");
  });

  it("none runs commands, and never as host root", async () => {
    await using dir = await tempDir();
    await chmod(dir.path, 0o755);
    if (process.getuid?.() === 0) await chown(dir.path, 65534, 65534);
    const r = createSandbox({ ...base, backend: "none", allowUnsandboxed: true }, { forbiddenPaths: [] });
    expect(r.ok && r.value.backend).toBe("none");
    if (!r.ok) return;
    const run = await r.value.run({ argv: ["id", "-u"], workspace: dir.path });
    expect(run.ok && run.value.stdout.trim()).not.toBe("0");
  });
});
