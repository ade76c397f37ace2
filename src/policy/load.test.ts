// Loading policy files: errors with file:line and field, examples at load, folder handling, JSON Schema.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import type { PolicyIssue } from "./load.js";
import { createMemoryResolver } from "./memory-resolver.js";
import { compilePolicyTexts, loadPolicyDir } from "./policy.js";
import { policyJsonSchema } from "./schema.js";
import { STARTER_POLICY } from "./starter.js";

const resolver = createMemoryResolver({ path: ["/usr/bin"], executables: ["/usr/bin/ls"] });

function issuesOf(files: Record<string, string>): PolicyIssue[] {
  const r = compilePolicyTexts(files, { resolver });
  if (r.ok) throw new Error("expected the policy to be refused");
  expect(r.error.code).toBe("POLICY_INVALID");
  return r.error.details.data?.issues as PolicyIssue[];
}

const ok = `rules:
  - id: a
    effect: allow
    reason: r
    match:
      tool: send_message
`;

describe("policy files", () => {
  it("names file, line and field for a schema error", () => {
    const bad = ok.replace("allow", "permit");
    expect(issuesOf({ "10-x.yaml": bad })[0]).toMatchObject({ file: "10-x.yaml", line: 3, field: "rules.0.effect" });
  });
  it("refuses unknown fields (a typo never widens a rule)", () => {
    const bad = ok.replace("tool: send_message", "tool: send_message\n      hots: example.com");
    expect(issuesOf({ "x.yaml": bad })[0]).toMatchObject({ line: 6, field: "rules.0.match" });
  });
  it("reports YAML syntax errors with their line", () => {
    const i = issuesOf({ "x.yaml": `${ok}  - id: [unclosed\n` })[0];
    expect(i?.file).toBe("x.yaml");
    expect(i?.line).toBeGreaterThanOrEqual(7);
    expect(i?.message).toMatch(/^YAML/);
  });
  it("refuses duplicate ids across files, naming both places", () => {
    const i = issuesOf({ "a.yaml": ok, "b.yaml": ok })[0];
    expect(i).toMatchObject({ file: "b.yaml", line: 2, field: "rules.0.id" });
    expect(i?.message).toContain("a.yaml:2");
  });
  it("refuses rules that cannot compile: bad glob, relative path, bad host, unknown time zone", () => {
    const rule = (m: string, when = "") =>
      `rules:\n  - id: a\n    effect: allow\n    reason: r\n    match: ${m}\n${when}`;
    expect(issuesOf({ "x.yaml": rule("{ tool: read_file, path: '/a/{b' }") })[0]?.message).toContain("{");
    expect(issuesOf({ "x.yaml": rule("{ tool: read_file, path: 'home/**' }") })[0]?.message).toContain("absolute");
    expect(issuesOf({ "x.yaml": rule("{ tool: read_file, path: '/a/../b' }") })[0]?.message).toContain("..");
    expect(
      issuesOf({ "x.yaml": rule("{ tool: read_file, path: '$' + '{workspace}/../**' }".replace("' + '", "")) })[0]
        ?.message,
    ).toContain("..");
    expect(issuesOf({ "x.yaml": rule("{ tool: http_request, host: 'a.*.com' }") })[0]?.field).toBe("rules.0.match");
    const tz = "    when: { time: { from: '09:00', to: '17:00', tz: Mars/Olympus } }\n";
    expect(issuesOf({ "x.yaml": rule("{ tool: exec }", tz) })[0]?.message).toContain("time zone");
  });
  it("checks rule examples at load and names the failing example", () => {
    const text = `rules:
  - id: read-ws
    effect: allow
    reason: r
    match: { tool: read_file, path: "/ws/**" }
    examples:
      allow:
        - { tool: read_file, path: /ws/a }
      deny:
        - { tool: read_file, path: /ws/b }
`;
    const i = issuesOf({ "x.yaml": text })[0];
    expect(i).toMatchObject({ line: 10, field: "rules.0.examples.deny.0" });
    expect(i?.message).toContain("should be deny but is allow");
    expect(compilePolicyTexts({ "x.yaml": text.replace("path: /ws/b", "path: /etc/b") }, { resolver }).ok).toBe(true);
  });
  it("loads the starter policy and gives a version hash that changes with the text", () => {
    const a = compilePolicyTexts({ "00-starter.yaml": STARTER_POLICY }, { resolver });
    const b = compilePolicyTexts({ "00-starter.yaml": `${STARTER_POLICY}# edited\n` }, { resolver });
    if (!a.ok || !b.ok) throw new Error("starter policy must load");
    expect(a.value.version).not.toBe(b.value.version);
    expect(a.value.rules.length).toBeGreaterThan(5);
  });
  it("gives a JSON Schema for editors", () => {
    const s = policyJsonSchema();
    expect(JSON.stringify(s)).toContain('"effect"');
    expect(s.type).toBe("object");
  });
});

describe("loadPolicyDir", () => {
  it("reads *.yaml in name order, skipping hidden and other files", async () => {
    await using dir = await tempDir();
    writeFileSync(join(dir.path, "20-b.yaml"), ok.replace("id: a", "id: b"));
    writeFileSync(join(dir.path, "10-a.yml"), ok);
    writeFileSync(join(dir.path, ".#10-a.yaml"), "garbage: [");
    writeFileSync(join(dir.path, "notes.txt"), "garbage: [");
    mkdirSync(join(dir.path, "sub.yaml"));
    const r = loadPolicyDir(dir.path, { resolver });
    if (!r.ok) throw r.error;
    expect(r.value.rules.map((x) => x.id)).toEqual(["a", "b"]);
  });
  it("fails on a missing folder and on one bad file among good ones (never a partial policy)", async () => {
    await using dir = await tempDir();
    expect(loadPolicyDir(join(dir.path, "nope"), { resolver }).ok).toBe(false);
    writeFileSync(join(dir.path, "a.yaml"), ok);
    writeFileSync(join(dir.path, "b.yaml"), "rules: 3\n");
    const r = loadPolicyDir(dir.path, { resolver });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.details.file).toBe(join(dir.path, "b.yaml"));
  });
  it("an empty folder is a valid policy that denies everything", async () => {
    await using dir = await tempDir();
    const r = loadPolicyDir(dir.path, { resolver });
    if (!r.ok) throw r.error;
    expect(r.value.decide({ tool: "send_message", to: "owner" })).toMatchObject({
      effect: "deny",
      reason: "no matching rule",
    });
  });
});
