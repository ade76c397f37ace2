import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { bundledEngineDir, cpuBinaryPackage, engineDirs, findEngine, installEngine, loadEngine } from "./engine.js";

function fakeInstall(dir: string, version: string, withEntry = true): void {
  const root = join(dir, "node_modules", "node-llama-cpp");
  mkdirSync(join(root, "dist"), { recursive: true });
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "node-llama-cpp", version }));
  if (withEntry) writeFileSync(join(root, "dist", "index.js"), "export const marker = 42;\n");
}

describe("engine location and install", () => {
  it("looks in the home first, then beside Warden, and takes only the pinned version", async () => {
    await using dir = await tempDir();
    expect(engineDirs(dir.path)).toEqual([join(dir.path, "engine"), bundledEngineDir()]);
    const old = join(dir.path, "old");
    const good = join(dir.path, "good");
    const broken = join(dir.path, "broken");
    fakeInstall(old, "3.22.0");
    fakeInstall(broken, "3.21.1", false);
    fakeInstall(good, "3.21.1");
    expect(findEngine([old, broken, good])).toEqual({
      dir: good,
      version: "3.21.1",
      entry: join(good, "node_modules", "node-llama-cpp", "dist", "index.js"),
    });
    expect(findEngine([old, broken])).toBeUndefined();
    const loaded = await loadEngine([good]);
    expect(loaded.ok && (loaded.value as unknown as { marker: number }).marker).toBe(42);
    const missing = await loadEngine([old]);
    expect(missing).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
  });

  it("names the one CPU build for a platform, none for an unknown one", () => {
    expect(cpuBinaryPackage("linux", "x64")).toBe("@node-llama-cpp/linux-x64@3.21.1");
    expect(cpuBinaryPackage("darwin", "arm64")).toBe("@node-llama-cpp/mac-arm64-metal@3.21.1");
    expect(cpuBinaryPackage("win32", "x64")).toBe("@node-llama-cpp/win-x64@3.21.1");
    expect(cpuBinaryPackage("aix", "ppc64")).toBeUndefined();
  });

  it("reports an npm that fails, with its output, and leaves a present install alone", async () => {
    await using dir = await tempDir();
    const npm = join(dir.path, "npm");
    writeFileSync(npm, "#!/bin/sh\necho 'npm error network request failed' >&2\nexit 1\n", { mode: 0o755 });
    const r = await installEngine({ dir: join(dir.path, "target"), npm });
    expect(r).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
    expect(!r.ok && r.error.message).toMatch(/npm ci failed \(exit 1\).*network request failed/);
    expect(!r.ok && r.error.details.fix).toMatch(/npm ping/);
    // the checkout's own engine (model engine install --dir engine) is there: installing again runs no npm at all
    const bundled = bundledEngineDir() ?? "";
    expect(findEngine([bundled]), "run node bin/warden.js model engine install --dir engine").toBeDefined();
    expect(await installEngine({ dir: bundled, npm })).toMatchObject({ ok: true, value: { dir: bundled } });
  });
});
