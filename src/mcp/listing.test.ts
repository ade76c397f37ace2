// What a hostile or sloppy tools/list answer becomes: safe names, collisions refused, bad schemas refused (not an
// object, too big, too deep, remote $ref), patterns not run on arguments, hidden tools left out, too many tools.
import type { Tool as McpTool } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { listTools, toolPart } from "./listing.js";

const limits = { maxTools: 10, maxSchemaBytes: 2048, hide: ["secret_admin"] };
const tool = (name: string, inputSchema: unknown = { type: "object" }, extra: Partial<McpTool> = {}) =>
  ({ name, inputSchema, ...extra }) as McpTool;

describe("listTools", () => {
  it("names tools mcp.<server>.<tool> with one safe part and keeps read-only flags", () => {
    const r = listTools(
      "gh",
      [
        tool("list.issues", { type: "object" }, { annotations: { readOnlyHint: true } }),
        tool("delete repo!", { type: "object" }),
        tool("both", { type: "object" }, { annotations: { readOnlyHint: true, destructiveHint: true } }),
      ],
      limits,
    );
    if (!r.ok) throw new Error(r.reason);
    expect(r.tools.map((t) => [t.name, t.readOnly])).toEqual([
      ["mcp.gh.list_issues", true],
      ["mcp.gh.both", false],
    ]);
    expect(r.refused).toEqual([{ tool: "delete repo!", reason: expect.stringContaining("spaces") }]);
    expect(toolPart("a*b{c}?d")).toBe("a_b_c__d");
  });

  it("refuses both tools whose safe names collide", () => {
    const r = listTools("gh", [tool("a.b"), tool("a_b"), tool("c")], limits);
    if (!r.ok) throw new Error(r.reason);
    expect(r.tools.map((t) => t.remote)).toEqual(["c"]);
    expect(r.refused.map((x) => x.tool).sort()).toEqual(["a.b", "a_b"]);
  });

  it("refuses absurd schemas and keeps the rest", () => {
    let deep: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 30; i++) deep = { type: "object", properties: { x: deep } };
    const r = listTools(
      "s",
      [
        tool("not_object", { type: "string" }),
        tool("huge", { type: "object", description: "x".repeat(5000) }),
        tool("deep", deep),
        tool("remote_ref", { type: "object", properties: { a: { $ref: "http://evil.example/s.json" } } }),
        tool("fine", { type: "object", properties: { n: { type: "integer" } }, required: ["n"] }),
        tool("secret_admin"),
      ],
      limits,
    );
    if (!r.ok) throw new Error(r.reason);
    expect(r.tools.map((t) => t.remote)).toEqual(["fine"]);
    expect(r.refused.map((x) => x.tool)).toEqual(["not_object", "huge", "deep", "remote_ref"]);
    const fine = r.tools[0]!;
    expect(fine.validator.safeParse({ n: 3 }).success).toBe(true);
    expect(fine.validator.safeParse({ n: "3" }).success).toBe(false);
    expect(fine.validator.safeParse({}).success).toBe(false);
  });

  it("does not run the server's regular expressions on arguments, but shows them to the model", () => {
    const evil = { type: "object", properties: { s: { type: "string", pattern: "^(a+)+$", maxLength: 100 } } };
    const r = listTools("s", [tool("t", evil)], limits);
    if (!r.ok) throw new Error(r.reason);
    const t = r.tools[0]!;
    expect(t.parameters).toMatchObject({ properties: { s: { pattern: "^(a+)+$" } } });
    // This value fails the pattern (and would take its backtracking a very long time): accepted, so it never ran.
    expect(t.validator.safeParse({ s: `${"a".repeat(40)}!` }).success).toBe(true);
    expect(t.validator.safeParse({ s: "x".repeat(101) }).success).toBe(false);
  });

  it("refuses a server that lists too many tools", () => {
    const many = Array.from({ length: 11 }, (_, i) => tool(`t${i}`));
    expect(listTools("s", many, limits)).toMatchObject({ ok: false, reason: expect.stringContaining("11 tools") });
  });
});
