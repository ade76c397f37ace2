// The sandbox: section schema: defaults (the same as profiles.ts), strictness, the none guard, profile resolution.
import { describe, expect, it } from "vitest";
import { profileLimits, resolveProfile, sandboxConfigSchema, sandboxProfileSchema } from "./config.js";
import { DEFAULT_PROFILE } from "./profiles.js";

describe("sandboxConfigSchema", () => {
  it("fills every default from an empty section", () => {
    const c = sandboxConfigSchema.parse({});
    expect(c.backend).toBe("bwrap");
    expect(c.allowUnsandboxed).toBe(false);
    expect(resolveProfile(c)?.timeoutSec).toBe(120);
  });
  it("parses an empty profile to exactly the zod-free DEFAULT_PROFILE (profiles.ts)", () => {
    expect(sandboxProfileSchema.parse({})).toEqual(DEFAULT_PROFILE);
    expect(resolveProfile(sandboxConfigSchema.parse({}))).toEqual(DEFAULT_PROFILE);
  });
  it("rejects unknown keys (strict)", () => {
    expect(sandboxConfigSchema.safeParse({ backnd: "bwrap" }).success).toBe(false);
    expect(sandboxConfigSchema.safeParse({ profiles: { x: { timeout: 3 } } }).success).toBe(false);
  });
  it("refuses backend none unless allowUnsandboxed is set", () => {
    expect(sandboxConfigSchema.safeParse({ backend: "none" }).success).toBe(false);
    expect(sandboxConfigSchema.safeParse({ backend: "none", allowUnsandboxed: true }).success).toBe(true);
  });
  it("refuses a defaultProfile that is not defined", () => {
    expect(sandboxConfigSchema.safeParse({ defaultProfile: "build" }).success).toBe(false);
    expect(sandboxConfigSchema.safeParse({ defaultProfile: "build", profiles: { build: {} } }).success).toBe(true);
  });

  it("resolves named profiles with their defaults and converts limits", () => {
    const c = sandboxConfigSchema.parse({ profiles: { build: { timeoutSec: 600, processes: 512 } } });
    const p = resolveProfile(c, "build");
    expect(p?.processes).toBe(512);
    expect(p && profileLimits(p).timeoutMs).toBe(600_000);
    expect(resolveProfile(c, "missing")).toBeUndefined();
    expect(resolveProfile(c, "default")).toBeDefined();
  });
});
