import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { tempDir } from "../../test/support/tmp.js";
import { openYamlCache } from "../home/index.js";
import { sandboxConfigSchema } from "../sandbox/config.js";
import { loadConfigFile } from "./load.js";
import { loadConfigSection } from "./section.js";

const load =
  <S>(schema: S) =>
  async () =>
    schema;

describe("loadConfigSection", () => {
  it("gives the same section as the whole file, from a cold cache and from a warm one", async () => {
    await using dir = await tempDir();
    const file = join(dir.path, "warden.yaml");
    writeFileSync(file, "sandbox:\n  runAsUid: 1234\nlog:\n  level: warn\n");
    const whole = loadConfigFile(file).sandbox;
    const cachePath = join(dir.path, "cache.json");
    const cold = await loadConfigSection(file, "sandbox", load(sandboxConfigSchema), openYamlCache(cachePath));
    expect(cold).toEqual(whole);
    // The cold load wrote the cache; the warm one reads only the sandbox section from it.
    const warm = openYamlCache(cachePath);
    expect(warm.get("sandbox:\n  runAsUid: 1234\nlog:\n  level: warn\n")).toBeDefined();
    expect(await loadConfigSection(file, "sandbox", load(sandboxConfigSchema), warm)).toEqual(whole);
  });

  it("fills an absent section with its defaults, as the whole file does", async () => {
    await using dir = await tempDir();
    const file = join(dir.path, "warden.yaml");
    writeFileSync(file, "log:\n  level: warn\n");
    const cache = openYamlCache(join(dir.path, "cache.json"));
    await loadConfigSection(file, "sandbox", load(sandboxConfigSchema), cache);
    expect(await loadConfigSection(file, "sandbox", load(sandboxConfigSchema), cache)).toEqual(
      loadConfigFile(file).sandbox,
    );
  });

  it("reports an invalid file like the whole load, with its line, even when a stale cache entry says otherwise", async () => {
    await using dir = await tempDir();
    const file = join(dir.path, "warden.yaml");
    const text = "sandbox:\n  runAsUid: -5\n";
    writeFileSync(file, text);
    const cache = openYamlCache(join(dir.path, "cache.json"));
    cache.set(text, { data: { sandbox: { runAsUid: -5 } } }); // as if cached by a more lenient older schema
    await expect(loadConfigSection(file, "sandbox", load(sandboxConfigSchema), cache)).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      details: { line: 2 },
    });
  });

  it("takes the section from the whole file validated by this same build, without consulting a schema", async () => {
    await using dir = await tempDir();
    const file = join(dir.path, "warden.yaml");
    writeFileSync(file, "sandbox:\n  runAsUid: 1234\n");
    const cachePath = join(dir.path, "cache.json");
    const whole = await loadConfigSection(
      file,
      "sandbox",
      load(sandboxConfigSchema),
      openYamlCache(cachePath, "build-a"),
    );
    // A schema that refuses everything: the validated entry is the answer, so it is never asked.
    const refuseAll = z.never();
    expect(await loadConfigSection(file, "sandbox", load(refuseAll), openYamlCache(cachePath, "build-a"))).toEqual(
      whole,
    );
  });
});
