import { describe, expect, it } from "vitest";
import { WardenError } from "../errors.js";
import { DEFAULT_CONFIG_YAML } from "./default.js";
import { parseConfig } from "./load.js";
import { configJsonSchema, maskConfig } from "./show.js";

function problemsOf(text: string): { line: number; path: string; message: string }[] {
  try {
    parseConfig(text, "/home/x/warden.yaml");
  } catch (e) {
    expect(e).toBeInstanceOf(WardenError);
    expect((e as WardenError).code).toBe("CONFIG_INVALID");
    return (e as WardenError).details.data?.problems as { line: number; path: string; message: string }[];
  }
  throw new Error("expected the config to be rejected");
}

describe("parseConfig", () => {
  it("accepts the default file written by init, and an empty file, with the same result", () => {
    const fromDefault = parseConfig(DEFAULT_CONFIG_YAML, "warden.yaml");
    expect(fromDefault).toEqual(parseConfig("", "warden.yaml"));
    expect(fromDefault.gateway).toEqual({ host: "127.0.0.1", port: 7433 });
    expect(fromDefault.model.provider).toBe("none");
  });

  it("freezes the result deeply", () => {
    const config = parseConfig("gateway:\n  port: 9000\n", "warden.yaml");
    expect(Object.isFrozen(config.gateway)).toBe(true);
    expect(() => {
      (config.gateway as { port: number }).port = 1;
    }).toThrow();
  });

  it("names the line and the path of a wrong type", () => {
    const problems = problemsOf("version: 1\ngateway:\n  port: eighty\n");
    expect(problems).toEqual([expect.objectContaining({ line: 3, path: "gateway.port" })]);
    expect(problems[0]!.message).toMatch(/expected number/);
  });

  it("rejects unknown keys, pointing at the key and listing what is allowed", () => {
    const problems = problemsOf("gateway:\n  host: 127.0.0.1\n  prot: 80\nlogs: {}\n");
    expect(problems).toHaveLength(2);
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p]));
    expect(byPath["gateway.prot"]).toMatchObject({ line: 3 });
    expect(byPath["gateway.prot"]!.message).toMatch(/unknown key "prot".*host, port/);
    expect(byPath.logs).toMatchObject({ line: 4 });
  });

  it("reports malformed YAML with its line", () => {
    const problems = problemsOf("gateway:\n  port: 1\n   host: [unclosed\n");
    expect(problems[0]!.line).toBeGreaterThanOrEqual(2);
    expect(problems[0]!.path).toBe("");
  });

  it("rejects duplicate keys instead of keeping the last", () => {
    const problems = problemsOf("gateway:\n  port: 1\n  port: 2\n");
    expect(problems[0]!.line).toBe(3);
  });

  it("refuses a non-loopback control plane address", () => {
    for (const host of ["0.0.0.0", "192.168.1.10", "::", "example.com"]) {
      const problems = problemsOf(`gateway:\n  host: "${host}"\n`);
      expect(problems[0]).toMatchObject({ line: 2, path: "gateway.host" });
      expect(problems[0]!.message).toMatch(/loopback/);
    }
    for (const host of ["127.0.0.1", "127.0.0.2", "::1", "localhost"]) {
      expect(parseConfig(`gateway:\n  host: "${host}"\n`, "w.yaml").gateway.host).toBe(host);
    }
  });

  it("requires a base URL and a model once a provider is chosen, and only secret handles as keys", () => {
    expect(problemsOf("model:\n  provider: openai-compatible\n")[0]!.message).toMatch(/baseUrl and model.model/);
    const problems = problemsOf(
      "model:\n  provider: openai-compatible\n  baseUrl: http://127.0.0.1:11434/v1\n  model: m\n  apiKey: sk-live-123\n",
    );
    expect(problems[0]).toMatchObject({ line: 5, path: "model.apiKey" });
    expect(problems[0]!.message).toMatch(/secret handle/);
  });

  it("rejects a top-level list or scalar", () => {
    expect(problemsOf("- a\n- b\n")[0]!.message).toMatch(/expected object/);
  });
});

describe("maskConfig and configJsonSchema", () => {
  it("masks credential-looking literals but keeps handles", () => {
    expect(maskConfig({ a: { apiKey: "sk-123", token: "secret:T", port: 1, name: "x" } })).toEqual({
      a: { apiKey: "********", token: "secret:T", port: 1, name: "x" },
    });
  });

  it("describes every top-level key and forbids unknown ones", () => {
    const schema = configJsonSchema() as { properties: Record<string, unknown>; additionalProperties: boolean };
    expect(Object.keys(schema.properties)).toEqual([
      "version",
      "gateway",
      "log",
      "model",
      "store",
      "policy",
      "sandbox",
      "approvals",
      "agent",
      "audit",
      "secrets",
      "egress",
      "mcp",
      "schedules",
    ]);
    expect(schema.additionalProperties).toBe(false);
  });
});
