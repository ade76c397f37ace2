// Every wrapper of the documented list: an allow on the wrapped program never allows it through the wrapper,
// and a rule that names the wrapper does.
import { describe, expect, it } from "vitest";
import { createMemoryResolver } from "./memory-resolver.js";
import { compilePolicyTexts } from "./policy.js";
import { detectWrappers, WRAPPER_FORMS, WRAPPER_PROGRAMS } from "./wrappers.js";

const programs = [
  ...WRAPPER_PROGRAMS,
  "rm",
  "python3",
  "node",
  "perl",
  "ruby",
  "php",
  "osascript",
  "lua",
  "find",
  "git",
];
const resolver = createMemoryResolver({
  path: ["/usr/bin"],
  executables: programs.map((p) => `/usr/bin/${p}`),
  links: { "/usr/bin/python": "python3" },
});

// The wrapped command: what an allowlist matched "through" the wrapper would have let pass.
const FORM_ARGV: Record<(typeof WRAPPER_FORMS)[number], string[]> = {
  "python -c": ["python3", "-c", "import os; os.system('rm -rf /')"],
  "node -e": ["node", "-e", "require('child_process').execSync('rm -rf /')"],
  "perl -e": ["perl", "-e", "system('rm -rf /')"],
  "ruby -e": ["ruby", "-e", "system('rm -rf /')"],
  "php -r": ["php", "-r", "system('rm -rf /');"],
  "osascript -e": ["osascript", "-e", 'do shell script "rm -rf /"'],
  "lua -e": ["lua", "-e", "os.execute('rm -rf /')"],
  "find -exec": ["find", ".", "-exec", "rm", "-rf", "{}", ";"],
  "git -c": ["git", "-c", "core.pager=rm -rf /", "log"],
  "git alias": ["git", "nuke"],
};

function policy(extra = "") {
  const text = `rules:
  - id: allow-rm
    effect: allow
    reason: rm is fine
    match: { tool: exec, executable: [rm] }
  - id: allow-any-exec
    effect: allow
    reason: every program without a name
    match: { tool: exec }
  - id: allow-plain-tools
    effect: allow
    reason: the tools themselves, plain
    match: { tool: exec, executable: [python3, node, perl, ruby, php, osascript, lua, find, git] }
${extra}`;
  const r = compilePolicyTexts({ "p.yaml": text }, { resolver });
  if (!r.ok) throw r.error;
  return r.value;
}

describe("wrapper programs are never seen through", () => {
  const p = policy();
  it("allows rm itself", () => expect(p.decide({ tool: "exec", argv: ["rm", "x"] }).effect).toBe("allow"));
  for (const w of WRAPPER_PROGRAMS) {
    it(`${w} rm is not allowed by an allow on rm or on every program`, () => {
      const d = p.decide({ tool: "exec", argv: [w, "rm", "-rf", "/"] });
      expect(d.effect).toBe("deny");
      expect(d.facts.wrappers).toContain(w);
    });
    it(`${w} is allowed by a rule that names it`, () => {
      const named = policy(
        `  - id: named\n    effect: allow\n    reason: named\n    match: { tool: exec, executable: [${w}] }\n`,
      );
      expect(named.decide({ tool: "exec", argv: [w, "rm", "x"] }).rule).toBe("named");
    });
  }
});

describe("wrapper argument forms are never seen through", () => {
  const p = policy();
  for (const form of WRAPPER_FORMS) {
    const argv = FORM_ARGV[form];
    it(`${form} is not allowed by an allow on the program`, () => {
      const d = p.decide({ tool: "exec", argv });
      expect(d.effect).toBe("deny");
      expect(d.facts.wrappers).toContain(form);
    });
    it(`${form} is allowed by a rule that lists it under wrappers`, () => {
      const exe = argv[0] as string;
      const named = policy(
        `  - id: named\n    effect: allow\n    reason: named\n    match: { tool: exec, executable: [${exe}], wrappers: ["${form}"] }\n`,
      );
      expect(named.decide({ tool: "exec", argv }).rule).toBe("named");
    });
  }
});

describe("detectWrappers", () => {
  it("sees shells behind other names (a link named ls that is bash) and by path", () => {
    expect(detectWrappers(["./ls", "-c", "id"], "/usr/bin/bash")).toContain("bash");
    expect(detectWrappers(["/bin/sh", "-lc", "id"], "/usr/bin/dash")).toEqual(["sh", "dash"]);
    expect(detectWrappers(["busybox", "sh"], "/bin/busybox")).toEqual(["busybox"]);
  });
  it("treats interpreters reading code from stdin, clustered flags and python versions as inline code", () => {
    expect(detectWrappers(["python3.11", "-Ic", "x"], null)).toEqual(["python -c"]);
    expect(detectWrappers(["python3"], null)).toEqual(["python -c"]);
    expect(detectWrappers(["node", "-"], null)).toEqual(["node -e"]);
    expect(detectWrappers(["node", "--eval=1"], null)).toEqual(["node -e"]);
    expect(detectWrappers(["perl", "-wE", "say 1"], null)).toEqual(["perl -e"]);
  });
  it("leaves plain programs alone", () => {
    expect(detectWrappers(["python3", "script.py"], null)).toEqual([]);
    expect(detectWrappers(["git", "status"], null)).toEqual([]);
    expect(detectWrappers(["git", "-C", "sub", "log"], null)).toEqual([]);
    expect(detectWrappers(["find", ".", "-name", "x"], null)).toEqual([]);
    expect(detectWrappers(["ls", "-la"], "/usr/bin/ls")).toEqual([]);
  });
  it("catches git config and exec-path options in every spelling", () => {
    expect(detectWrappers(["git", "-calias.x=!sh", "x"], null)).toContain("git -c");
    expect(detectWrappers(["git", "--config-env=core.pager=X", "log"], null)).toContain("git -c");
    expect(detectWrappers(["git", "--exec-path=/tmp", "log"], null)).toContain("git -c");
  });
});
