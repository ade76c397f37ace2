// Hot reload on a real folder: swap on edit, keep the last valid policy on a bad edit, refuse a bad start.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import type { WardenError } from "../errors.js";
import type { CompiledPolicy } from "./engine.js";
import { createMemoryResolver } from "./memory-resolver.js";
import { watchPolicyDir } from "./watch.js";

const resolver = createMemoryResolver();
const rule = (effect: string) =>
  `rules:\n  - id: talk\n    effect: ${effect}\n    reason: talking\n    match:\n      tool: send_message\n`;
const talk = { tool: "send_message", to: "owner" };

describe("watchPolicyDir", () => {
  it("refuses to start on an invalid policy", async () => {
    await using dir = await tempDir();
    writeFileSync(join(dir.path, "a.yaml"), "rules:\n  - id: x\n    effect: maybe\n");
    const r = watchPolicyDir(dir.path, { resolver });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe("POLICY_INVALID");
      expect(r.error.message).toContain("a.yaml:3: rules.0.effect");
    }
  });

  it("swaps in an edited policy, keeps the last valid one on a bad edit and reports it", async () => {
    await using dir = await tempDir();
    const file = join(dir.path, "a.yaml");
    writeFileSync(file, rule("allow"));
    const reloads: CompiledPolicy[] = [];
    const errors: WardenError[] = [];
    const w = watchPolicyDir(dir.path, { resolver, onReload: (p) => reloads.push(p), onError: (e) => errors.push(e) });
    if (!w.ok) throw w.error;
    try {
      expect(w.value.decide(talk).effect).toBe("allow");
      writeFileSync(file, rule("deny"));
      await vi.waitFor(() => expect(w.value.decide(talk).effect).toBe("deny"), { timeout: 5000, interval: 10 });
      expect(reloads.length).toBeGreaterThanOrEqual(1);
      const good = w.value.current().version;
      writeFileSync(file, rule("perhaps"));
      await vi.waitFor(() => expect(errors.length).toBeGreaterThanOrEqual(1), { timeout: 5000, interval: 10 });
      expect(errors[0]?.code).toBe("POLICY_INVALID");
      expect(w.value.current().version).toBe(good);
      expect(w.value.decide(talk).effect).toBe("deny");
    } finally {
      w.value.close();
    }
  });

  it("reloads a folder of several files when one changes, and when one is removed", async () => {
    await using dir = await tempDir();
    writeFileSync(join(dir.path, "a.yaml"), rule("allow"));
    const other =
      "rules:\n  - id: read\n    effect: allow\n    reason: r\n    match: { tool: read_file, path: /ws/** }\n";
    writeFileSync(join(dir.path, "b.yaml"), other);
    const w = watchPolicyDir(dir.path, { resolver });
    if (!w.ok) throw w.error;
    try {
      writeFileSync(join(dir.path, "a.yaml"), rule("ask"));
      await vi.waitFor(() => expect(w.value.decide(talk).effect).toBe("ask"), { timeout: 5000, interval: 10 });
      expect(w.value.decide({ tool: "read_file", path: "/ws/x" }).effect).toBe("allow");
      rmSync(join(dir.path, "b.yaml"));
      await vi.waitFor(() => expect(w.value.decide({ tool: "read_file", path: "/ws/x" }).effect).toBe("deny"), {
        timeout: 5000,
        interval: 10,
      });
    } finally {
      w.value.close();
    }
  });
});
