// The Action schema, its canonical hash, and the policy config schema.
import { describe, expect, it } from "vitest";
import { actionSchema, canonicalActionHash, canonicalJson } from "./action.js";
import { policyConfigSchema } from "./config.js";

describe("Action", () => {
  it("hashes the same whatever the key order, differently on any change", () => {
    const a = { tool: "exec", argv: ["git", "status"], cwd: "/ws", args: { b: 1, a: [2, { d: 3, c: 4 }] } };
    const b = { args: { a: [2, { c: 4, d: 3 }], b: 1 }, cwd: "/ws", argv: ["git", "status"], tool: "exec" };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalActionHash(a)).toBe(canonicalActionHash(b));
    expect(canonicalActionHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalActionHash({ ...a, argv: ["git", "status "] })).not.toBe(canonicalActionHash(a));
    expect(canonicalActionHash({ ...a, task: "t2" })).not.toBe(canonicalActionHash(a));
  });
  it("refuses unknown fields and oversized input", () => {
    expect(actionSchema.safeParse({ tool: "exec", argv: ["ls"], evil: true }).success).toBe(false);
    expect(actionSchema.safeParse({ tool: "exec", argv: Array.from({ length: 5000 }, () => "x") }).success).toBe(false);
    expect(actionSchema.safeParse({ tool: "read_file", path: "/a", taint: "maybe" }).success).toBe(false);
    expect(
      actionSchema.safeParse({ tool: "read_file", path: "/a", principal: "owner", taint: "trusted" }).success,
    ).toBe(true);
  });
  it("policy config has defaults for every key and refuses unknown ones", () => {
    expect(policyConfigSchema.parse(undefined)).toEqual({
      sandboxPath: "/usr/local/bin:/usr/bin:/bin",
      reloadDebounceMs: 20,
      reloadPollMs: 1000,
    });
    expect(policyConfigSchema.safeParse({ sandboxpath: "/bin" }).success).toBe(false);
  });
});
