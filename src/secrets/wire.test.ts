// The glue the composition root and the command runners use.
import { describe, expect, it } from "vitest";
import { bindingsSchema } from "./bindings.js";
import { memorySecretStore } from "./memory.js";
import { SecretRedactor } from "./redactor.js";
import { resolveCommandEnv, secretAccess, syncRedactor } from "./wire.js";

describe("wiring helpers", () => {
  it("registers new values with the redactor and keeps old and learned ones redacted", async () => {
    const store = memorySecretStore({ OLD_TOKEN: "old-value-123456" });
    const redactor = new SecretRedactor();
    expect(await syncRedactor(redactor, store)).toBe(1);
    redactor.redact("found AKIAIOSFODNN7EXAMPLE");
    await store.remove("OLD_TOKEN");
    await store.set("NEW_TOKEN", "new-value-654321");
    await syncRedactor(redactor, store);
    expect(redactor.redact("old-value-123456 new-value-654321 AKIAIOSFODNN7EXAMPLE")).toBe(
      "[secret:OLD_TOKEN] [secret:NEW_TOKEN] [credential:aws-access-key]",
    );
  });

  it("resolves a bound command's environment and denies anything else", async () => {
    const store = memorySecretStore({ GH_TOKEN: "ghp_env_value_000111" });
    const bindings = bindingsSchema.parse({ env: [{ secret: "GH_TOKEN", command: "/usr/bin/gh", env: "GH_TOKEN" }] });
    const env = { GH_TOKEN: "secret:GH_TOKEN", LANG: "C" };
    expect(await resolveCommandEnv(store, bindings, "/usr/bin/gh", env)).toEqual({
      ok: true,
      value: { GH_TOKEN: "ghp_env_value_000111", LANG: "C" },
      used: ["GH_TOKEN"],
    });
    const denied = await resolveCommandEnv(store, bindings, "/usr/bin/curl", env);
    expect(denied.ok).toBe(false);
    expect(JSON.stringify(denied)).not.toContain("ghp_env_value");
    expect(await secretAccess(store, bindings).get("GH_TOKEN")).toBe("ghp_env_value_000111");
  });
});
