// Handles and bindings: where a secret may go (HTTP header/query of one destination, one env var of one command),
// and the CLI helpers that never show a value.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { isWardenError } from "../errors.js";
import { bindingsSchema, boundTo, describeBindings, pathCovered, resolveEnv, resolveHttpValue } from "./bindings.js";
import { listSecrets, promptHidden, readSecretValue, removeSecret } from "./cli.js";
import { secretsConfigSchema } from "./config.js";
import { memorySecretStore } from "./memory.js";
import { handlesIn } from "./names.js";

const bindings = bindingsSchema.parse({
  http: [
    { secret: "GH_TOKEN", host: "api.github.com", header: "Authorization" },
    { secret: "MAPS_KEY", scheme: "http", host: "maps.example", port: 8080, pathPrefix: "/v1", query: "key" },
  ],
  env: [{ secret: "GH_TOKEN", command: "/usr/bin/gh", env: "GH_TOKEN" }],
});
const values: Record<string, string> = { GH_TOKEN: "ghp_value_1234567890", MAPS_KEY: "maps-value-0987" };
const lookup = (name: string) => values[name];
const github = { scheme: "https", host: "api.github.com", port: 443, path: "/repos/x" };

describe("handles and HTTP bindings", () => {
  it("finds handles and resolves one bound to this header of this host", () => {
    expect(handlesIn("Bearer secret:GH_TOKEN and secret:MAPS_KEY, secret:lower")).toEqual(["GH_TOKEN", "MAPS_KEY"]);
    const r = resolveHttpValue(bindings, github, { header: "authorization" }, "Bearer secret:GH_TOKEN", lookup);
    expect(r).toEqual({ ok: true, value: "Bearer ghp_value_1234567890", used: ["GH_TOKEN"] });
  });

  const denied: [string, Parameters<typeof resolveHttpValue>[1], Parameters<typeof resolveHttpValue>[2], string][] = [
    ["another host", { ...github, host: "evil.example" }, { header: "Authorization" }, "secret:GH_TOKEN"],
    [
      "a look-alike host",
      { ...github, host: "api.github.com.evil.example" },
      { header: "Authorization" },
      "secret:GH_TOKEN",
    ],
    ["another port", { ...github, port: 8443 }, { header: "Authorization" }, "secret:GH_TOKEN"],
    ["plain http", { ...github, scheme: "http", port: 443 }, { header: "Authorization" }, "secret:GH_TOKEN"],
    ["another header", github, { header: "X-Debug" }, "secret:GH_TOKEN"],
    ["the query instead of the header", github, { query: "Authorization" }, "secret:GH_TOKEN"],
    [
      "a path outside the prefix",
      { scheme: "http", host: "maps.example", port: 8080, path: "/v10/x" },
      { query: "key" },
      "secret:MAPS_KEY",
    ],
    ["a secret bound elsewhere", github, { header: "Authorization" }, "secret:MAPS_KEY"],
    ["a secret not in the store", github, { header: "Authorization" }, "secret:NOPE"],
  ];
  for (const [label, to, where, text] of denied) {
    it(`denies a handle sent to ${label}`, () => {
      const r = resolveHttpValue(bindings, to, where, text, lookup);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toContain("secret:");
    });
  }

  it("matches path prefixes by segment and answers boundTo for the exfiltration guard", () => {
    expect(pathCovered("/v1", "/v1")).toBe(true);
    expect(pathCovered("/v1", "/v1/maps")).toBe(true);
    expect(pathCovered("/v1", "/v10")).toBe(false);
    expect(pathCovered("/v1/", "/v1/x")).toBe(true);
    expect(boundTo(bindings, "GH_TOKEN", github)).toBe(true);
    expect(boundTo(bindings, "GH_TOKEN", { ...github, host: "gist.github.com" })).toBe(false);
  });

  it("refuses a binding that names both or neither of header and query", () => {
    expect(() => bindingsSchema.parse({ http: [{ secret: "A", host: "h", header: "x", query: "y" }] })).toThrow();
    expect(() => bindingsSchema.parse({ http: [{ secret: "A", host: "h" }] })).toThrow();
    expect(secretsConfigSchema.parse({})).toEqual({ keySource: "auto", bindings: { http: [], env: [] } });
  });
});

describe("environment bindings", () => {
  it("injects only into the bound variable of the bound command", () => {
    expect(resolveEnv(bindings, "/usr/bin/gh", { GH_TOKEN: "secret:GH_TOKEN", HOME: "/w" }, lookup)).toEqual({
      ok: true,
      value: { GH_TOKEN: "ghp_value_1234567890", HOME: "/w" },
      used: ["GH_TOKEN"],
    });
    expect(resolveEnv(bindings, "/usr/bin/curl", { GH_TOKEN: "secret:GH_TOKEN" }, lookup).ok).toBe(false);
    expect(resolveEnv(bindings, "/usr/bin/gh", { OTHER: "secret:GH_TOKEN" }, lookup).ok).toBe(false);
  });
});

describe("CLI helpers", () => {
  it("reads a value from a pipe, dropping one trailing newline, and refuses empty input", async () => {
    expect(await readSecretValue(PassThrough.from(["abc", "def\n"]))).toBe("abcdef");
    expect(await readSecretValue(PassThrough.from(["line1\nline2\r\n"]))).toBe("line1\nline2");
    const e = await readSecretValue(PassThrough.from(["\n"])).catch((x: unknown) => x);
    expect(isWardenError(e) && e.code).toBe("USAGE");
  });

  it("reads a hidden value from a terminal without echoing it", async () => {
    const input = Object.assign(new PassThrough(), {
      isTTY: true,
      raw: false,
      setRawMode(on: boolean) {
        this.raw = on;
      },
    });
    const output = new PassThrough();
    const answer = promptHidden(input, output, "Value: ");
    expect(input.raw).toBe(true);
    input.write("s3cr3tX\u007f!\r");
    expect(await answer).toBe("s3cr3t!");
    expect(input.raw).toBe(false);
    expect(output.read().toString()).toBe("Value: \n");
  });

  it("lists names with bindings and never values; rm of a missing secret is SECRET_NOT_FOUND", async () => {
    const store = memorySecretStore(values);
    const listed = await listSecrets(store, bindings);
    expect(listed.map((s) => [s.name, s.bindings])).toEqual([
      ["GH_TOKEN", ["header Authorization -> https://api.github.com:443/", "env GH_TOKEN -> /usr/bin/gh"]],
      ["MAPS_KEY", ["query key -> http://maps.example:8080/v1"]],
    ]);
    expect(JSON.stringify(listed)).not.toContain("value");
    expect(describeBindings(bindings, "NONE")).toEqual([]);
    await removeSecret(store, "MAPS_KEY");
    const e = await removeSecret(store, "MAPS_KEY").catch((x: unknown) => x);
    expect(isWardenError(e) && e.code).toBe("SECRET_NOT_FOUND");
  });
});
