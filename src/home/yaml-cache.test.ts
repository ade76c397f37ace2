import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { parseConfig } from "../config/load.js";
import { WardenError } from "../errors.js";
import { parsePolicyText } from "../policy/load.js";
import { openYamlCache } from "./yaml-cache.js";

const POLICY = `version: 1
rules:
  - id: read-ws
    effect: allow
    reason: reading the workspace
    match:
      tool: read_file
      path: "\${workspace}/**"
    examples:
      allow:
        - { tool: read_file, path: /ws/a, workspace: /ws }
`;

describe("the YAML cache", () => {
  it("keeps a parse across processes (a reopened file) and gives the same config as a fresh parse", async () => {
    await using dir = await tempDir();
    const file = join(dir.path, "yaml-cache.json");
    const text = "gateway:\n  port: 9100\nlog:\n  level: warn\n";
    const first = openYamlCache(file);
    const fresh = parseConfig(text, "warden.yaml", first);
    first.flush();
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = openYamlCache(file);
    expect(second.get(text)?.data).toEqual({ gateway: { port: 9100 }, log: { level: "warn" } });
    expect(parseConfig(text, "warden.yaml", second)).toEqual(fresh);
    expect(second.get("gateway:\n  port: 9101\n")).toBeUndefined();
  });

  it("is only a speed-up: a cached document that no longer validates is reported from a fresh parse, with lines", async () => {
    await using dir = await tempDir();
    const file = join(dir.path, "yaml-cache.json");
    const text = "version: 1\ngateway:\n  port: eighty\n";
    const cache = openYamlCache(file);
    // As if an older Warden had cached this text when it was valid.
    cache.set(text, { data: { version: 1, gateway: { port: "eighty" } } });
    let error: unknown;
    try {
      parseConfig(text, "warden.yaml", cache);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WardenError);
    expect((error as WardenError).details.data?.problems).toEqual([
      expect.objectContaining({ line: 3, path: "gateway.port" }),
    ]);
  });

  it("ignores a corrupt or foreign cache file and rewrites it", async () => {
    await using dir = await tempDir();
    const file = join(dir.path, "yaml-cache.json");
    for (const junk of ["{not json", JSON.stringify({ format: 99, entries: {} }), JSON.stringify([1, 2])]) {
      writeFileSync(file, junk);
      const cache = openYamlCache(file);
      expect(parseConfig("log:\n  level: error\n", "w.yaml", cache).log.level).toBe("error");
      cache.flush();
      expect(JSON.parse(readFileSync(file, "utf8")).format).toBe(2);
    }
  });

  it("never keeps data JSON cannot carry exactly (YAML's .inf and .nan)", async () => {
    await using dir = await tempDir();
    const cache = openYamlCache(join(dir.path, "c.json"));
    cache.set("a: .inf", { data: { a: Number.POSITIVE_INFINITY } });
    cache.set("a: .nan", { data: { a: Number.NaN } });
    expect(cache.get("a: .inf")).toBeUndefined();
    expect(cache.get("a: .nan")).toBeUndefined();
  });

  it("keeps policy rule and example lines, so a cached policy explains itself like a parsed one", async () => {
    await using dir = await tempDir();
    const cache = openYamlCache(join(dir.path, "c.json"));
    const parsed = parsePolicyText("p.yaml", POLICY, cache);
    const cached = parsePolicyText("p.yaml", POLICY, cache);
    expect(parsed.issues).toEqual([]);
    expect(cached.source?.spec).toEqual(parsed.source?.spec);
    for (const path of [
      ["rules", 0],
      ["rules", 0, "examples", "allow", 0],
      ["rules", 0, "match"],
    ]) {
      expect(cached.source?.lineOf(path)).toBe(parsed.source?.lineOf(path));
    }
    expect(cached.source?.lineOf(["rules", 0])).toBe(3);
    expect(cached.source?.lineOf(["rules", 0, "examples", "allow", 0])).toBe(11);
  });

  it("keeps what validation gave, for the same build only, and gives the same config and policy from it", async () => {
    await using dir = await tempDir();
    const file = join(dir.path, "yaml-cache.json");
    const text = "gateway:\n  port: 9100\nsandbox:\n  runAsUid: 1234\n";
    const first = openYamlCache(file, "build-a");
    const fresh = parseConfig(text, "warden.yaml", first);
    const policy = parsePolicyText("p.yaml", POLICY, first);
    first.flush();

    const same = openYamlCache(file, "build-a");
    expect(same.get(text)?.valid).toEqual(fresh);
    const fromValid = parseConfig(text, "warden.yaml", same);
    expect(fromValid).toEqual(fresh);
    expect(Object.isFrozen(fromValid.sandbox)).toBe(true);
    expect(same.get(POLICY)?.valid).toEqual(policy.source?.spec);
    expect(parsePolicyText("p.yaml", POLICY, same).source?.spec).toEqual(policy.source?.spec);

    // Another build validates again: nothing it finds is trusted (the file is started afresh).
    expect(openYamlCache(file, "build-b").get(text)).toBeUndefined();
    // No build (tests, unbundled code): validated results are neither kept nor handed out.
    const none = openYamlCache(join(dir.path, "other.json"));
    parseConfig(text, "warden.yaml", none);
    expect(none.get(text)?.data).toBeDefined();
    expect(none.get(text)?.valid).toBeUndefined();
  });

  it("upgrades an entry cached without a validated result once the same build validates it", async () => {
    await using dir = await tempDir();
    const file = join(dir.path, "yaml-cache.json");
    const text = "log:\n  level: warn\n";
    const cache = openYamlCache(file, "build-a");
    cache.set(text, { data: { log: { level: "warn" } } });
    const config = parseConfig(text, "warden.yaml", cache);
    expect(cache.get(text)?.valid).toEqual(config);
  });
});
