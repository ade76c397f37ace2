// The starter policy end to end: what the agent may do on its own, what asks, what is denied, and the record.
import { describe, expect, it } from "vitest";
import type { Action } from "./action.js";
import { createMemoryResolver } from "./memory-resolver.js";
import { compilePolicyTexts } from "./policy.js";
import { STARTER_POLICY } from "./starter.js";

const resolver = createMemoryResolver({
  path: ["/usr/bin"],
  executables: [
    "/usr/bin/ls",
    "/usr/bin/cat",
    "/usr/bin/head",
    "/usr/bin/tail",
    "/usr/bin/wc",
    "/usr/bin/grep",
    "/usr/bin/find",
    "/usr/bin/git",
    "/usr/bin/rm",
    "/usr/bin/env",
    "/usr/bin/dash",
    "/usr/bin/bash",
    "/usr/bin/curl",
  ],
  links: { "/usr/bin/sh": "dash", "/ws/out": "/etc" },
});
const starter = () => {
  const r = compilePolicyTexts({ "00-starter.yaml": STARTER_POLICY }, { resolver });
  if (!r.ok) throw r.error;
  return r.value;
};
const ws = { workspace: "/ws", task: "t1" };

describe("starter policy", () => {
  const p = starter();
  const cases: Array<[Action, string, string | null]> = [
    [{ tool: "send_message", channel: "telegram", to: "owner" }, "allow", "talk-to-owner"],
    [{ tool: "send_message", channel: "telegram", to: "12345" }, "ask", "message-others"],
    [{ tool: "read_file", path: "/ws/a.txt", ...ws }, "allow", "read-workspace"],
    [{ tool: "read_file", path: "/ws/../etc/passwd", ...ws }, "ask", "read-elsewhere"],
    [{ tool: "read_file", path: "/ws/out/passwd", ...ws }, "ask", "read-elsewhere"],
    [{ tool: "write_file", path: "/ws/sub/b.txt", ...ws }, "allow", "write-workspace"],
    [{ tool: "write_file", path: "/ws/out/passwd", ...ws }, "deny", "write-elsewhere"],
    [{ tool: "write_file", path: "/etc/passwd", ...ws }, "deny", "write-elsewhere"],
    [{ tool: "exec", argv: ["ls", "-la"], cwd: "/ws", ...ws }, "allow", "read-only-commands"],
    [{ tool: "exec", argv: ["ls"], cwd: "/tmp", ...ws }, "ask", "other-commands"],
    [{ tool: "exec", argv: ["git", "status"], cwd: "/ws", ...ws }, "allow", "git-read-only"],
    [{ tool: "exec", argv: ["git", "push"], cwd: "/ws", ...ws }, "ask", "other-commands"],
    [{ tool: "exec", argv: ["git", "diff", "--output=/x"], cwd: "/ws", ...ws }, "ask", "other-commands"],
    [{ tool: "exec", argv: ["find", ".", "-name", "x"], cwd: "/ws", ...ws }, "allow", "find-read-only"],
    [{ tool: "exec", argv: ["find", ".", "-delete"], cwd: "/ws", ...ws }, "ask", "other-commands"],
    [{ tool: "exec", argv: ["find", ".", "-exec", "rm", "{}", ";"], cwd: "/ws", ...ws }, "ask", "other-commands"],
    [{ tool: "exec", argv: ["env", "ls"], cwd: "/ws", ...ws }, "ask", "other-commands"],
    [{ tool: "exec", argv: ["sh", "-c", "ls"], cwd: "/ws", ...ws }, "ask", "other-commands"],
    [{ tool: "http_request", method: "GET", url: "https://example.com/" }, "ask", "network"],
    [{ tool: "mcp.github.create_issue", args: {} }, "ask", "mcp-tools"],
    [{ tool: "delete_file", path: "/ws/a", ...ws }, "deny", null],
  ];
  for (const [action, effect, rule] of cases) {
    it(`${JSON.stringify(action.argv ?? action.path ?? action.url ?? action.to ?? action.tool)} -> ${effect}`, () => {
      const d = p.decide(action);
      expect([d.effect, d.rule]).toEqual([effect, rule]);
      expect(d.policyVersion).toMatch(/^[0-9a-f]{64}$/);
    });
  }
  it("records the rule's file and line and the normalized facts", () => {
    const d = p.decide({ tool: "read_file", path: "/ws/x/../a.txt", ...ws });
    expect(d.file).toBe("00-starter.yaml");
    expect(STARTER_POLICY.split("\n")[(d.line ?? 0) - 1]).toContain("id: read-workspace");
    expect(d.facts.path).toBe("/ws/a.txt");
    expect(d.matched).toContain("path");
  });
});
