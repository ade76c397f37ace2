// probeSandbox and BwrapSandbox lifecycle: a real sandbox starts, or the error says how to fix the host.
import { describe, expect, it } from "vitest";
import { probeSandbox } from "./index.js";

describe("probeSandbox", () => {
  it("starts a real sandbox and reports the bubblewrap version", async () => {
    const r = await probeSandbox();
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.backend).toBe("bwrap");
      expect(r.value.version).toMatch(/^\d+\.\d+/);
    }
  });

  it("fails closed with SANDBOX_UNAVAILABLE and an install fix when bubblewrap is missing", async () => {
    const r = await probeSandbox({ bwrapPath: "/nonexistent/bwrap" });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe("SANDBOX_UNAVAILABLE");
      expect(r.error.details.fix).toContain("apt-get install bubblewrap");
    }
  });

  it("fails closed when the binary runs but cannot build a sandbox", async () => {
    // /usr/bin/false answers --version with a failure: treated as an unusable bubblewrap.
    const r = await probeSandbox({ bwrapPath: "/usr/bin/false" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe("SANDBOX_UNAVAILABLE");
  });
});

describe("BwrapSandbox.close", () => {
  it("refuses to start commands once closed", async () => {
    const { BwrapSandbox } = await import("./bwrap.js");
    const { DEFAULT_PROFILE, profileLimits } = await import("./config.js");
    const s = new BwrapSandbox({ defaultLimits: profileLimits(DEFAULT_PROFILE) });
    expect((await s.probe()).ok).toBe(true);
    await s.close();
    const r = await s.run({ argv: ["true"], workspace: "/tmp" });
    expect(!r.ok && r.error.code).toBe("SANDBOX_UNAVAILABLE");
  });
});
