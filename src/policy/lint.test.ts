// lint warnings and errors, and the check/explain helpers the CLI prints.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { formatDecision, formatExplanation, parseActionJson } from "./cli.js";
import { checkJson } from "./decision.js";
import { formatLint, lintPolicyDir } from "./lint.js";
import { createMemoryResolver } from "./memory-resolver.js";
import { compilePolicyTexts } from "./policy.js";
import { STARTER_POLICY } from "./starter.js";

const resolver = createMemoryResolver({
  path: ["/usr/bin"],
  executables: ["/usr/bin/rm", "/usr/bin/env", "/usr/bin/ls"],
});

const LINTY = `rules:
  - id: no-net
    effect: deny
    reason: no network
    match: { tool: http_request }
  - id: api
    effect: allow
    reason: shadowed by no-net
    match: { tool: http_request, host: api.test }
  - id: env-anything
    effect: allow
    reason: env
    match: { tool: exec, executable: env }
  - id: all-files
    effect: allow
    reason: everything
    match: { tool: read_file, path: "/**" }
  - id: any-program
    effect: allow
    reason: any
    match: { tool: exec }
  - id: ghost
    effect: allow
    reason: not installed
    match: { tool: exec, executable: nosuchtool }
`;

describe("lint", () => {
  it("warns about shadowed rules, wrapper allows, broad globs, unnamed programs and missing executables", async () => {
    await using dir = await tempDir();
    writeFileSync(join(dir.path, "p.yaml"), LINTY);
    const r = lintPolicyDir(dir.path, { resolver });
    expect(r.errors).toEqual([]);
    const text = r.warnings.map((w) => `${w.field} ${w.message}`).join("\n");
    expect(text).toMatch(/api\.match never decides: it is shadowed by the deny rule "no-net"/);
    expect(text).toMatch(/env-anything\.match allows "env" with any arguments/);
    expect(text).toMatch(/all-files\.match\.path "\/\*\*" matches every file/);
    expect(text).toMatch(/any-program\.match allows every program/);
    expect(text).toMatch(/executable "nosuchtool" is not found/);
    expect(formatLint(r)).toContain("0 error(s)");
  });
  it("reports load errors as errors with file:line", async () => {
    await using dir = await tempDir();
    writeFileSync(join(dir.path, "p.yaml"), "rules:\n  - id: x\n    effect: nope\n");
    const r = lintPolicyDir(dir.path, { resolver });
    expect(r.version).toBeNull();
    expect(formatLint(r)).toMatch(/^error .*p\.yaml:3: rules\.0\.effect/m);
  });
  it("the starter policy lints clean apart from nothing shadowed", async () => {
    await using dir = await tempDir();
    writeFileSync(join(dir.path, "00-starter.yaml"), STARTER_POLICY);
    const r = lintPolicyDir(dir.path, {
      resolver: createMemoryResolver({
        path: ["/usr/bin"],
        executables: ["ls", "cat", "head", "tail", "wc", "grep", "find", "git"].map((e) => `/usr/bin/${e}`),
      }),
    });
    expect(r.errors).toEqual([]);
    expect(r.warnings.filter((w) => w.message.includes("never decides"))).toEqual([]);
  });
});

describe("check and explain", () => {
  const p = compilePolicyTexts({ "p.yaml": LINTY }, { resolver });
  if (!p.ok) throw p.error;
  it("parses --action JSON strictly", () => {
    expect(parseActionJson('{"tool":"exec","argv":["ls"]}').ok).toBe(true);
    const bad = parseActionJson('{"tool":"exec","argv":"ls"}');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe("USAGE");
    expect(parseActionJson("{nope").ok).toBe(false);
    expect(parseActionJson('{"tool":"x","evil":1}').ok).toBe(false);
  });
  it("check gives effect, rule and reason", () => {
    const d = p.value.decide({ tool: "http_request", url: "https://api.test/" });
    expect(checkJson(d)).toEqual({ effect: "deny", rule: "no-net", reason: "no network" });
    expect(formatDecision(d)).toBe("DENY by rule no-net (p.yaml:2): no network");
  });
  it("explain lists every rule about the tool and what differed", () => {
    const x = p.value.explain({ tool: "exec", argv: ["env", "rm"] });
    expect(x.decision.rule).toBe("env-anything");
    const text = formatExplanation(x);
    expect(text).toContain("decision: ALLOW by rule env-anything");
    expect(text).toMatch(/allow any-program {2}p\.yaml:\d+ {2}no \(wrapper differs\)/);
    expect(text).toMatch(/allow ghost {2}p\.yaml:\d+ {2}no \(executable differs\)/);
    expect(text).not.toContain("no-net");
  });
});
