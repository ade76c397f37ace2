// What `warden chat` prints for each event: short tool calls, decisions with their rule, approvals, questions,
// messages, failures; no terminal control sequences from the model get through; colours only when asked.
import { describe, expect, it } from "vitest";
import { COLOURS, PLAIN, printable, renderEvent, shortCall } from "./chat-view.js";

const ev = (type: string, data: Record<string, unknown>) => ({ type, ts: "", data });

describe("chat view", () => {
  it("shows tool calls short: argv as a command line, a path, else compact JSON with long content elided", () => {
    expect(shortCall("exec", JSON.stringify({ argv: ["git", "commit", "-m", "a message"] }))).toBe(
      'exec git commit -m "a message"',
    );
    expect(shortCall("read_file", JSON.stringify({ path: "notes/a.txt" }))).toBe("read_file notes/a.txt");
    expect(shortCall("write_file", JSON.stringify({ path: "a.txt", content: "x".repeat(5000) }))).toBe(
      'write_file {"path":"a.txt","content":"<5000 chars>"}',
    );
    expect(shortCall("exec", "{not json")).toBe("exec {not json");
    expect(shortCall("x", JSON.stringify({ q: "y".repeat(500) })).length).toBeLessThanOrEqual(2 + 120);
  });

  it("renders decisions, approvals, questions, messages and failures", () => {
    const call = { name: "exec", arguments: JSON.stringify({ argv: ["make", "deploy"] }) };
    expect(renderEvent(ev("task.tool.proposed", { task: "t", call }), PLAIN)).toBe("  → exec make deploy");
    expect(renderEvent(ev("task.policy.decision", { effect: "allow", rule: "r1", reason: "fine" }), PLAIN)).toBe(
      "    allow (rule r1)",
    );
    expect(renderEvent(ev("task.policy.decision", { effect: "deny", rule: null, reason: "no rule" }), PLAIN)).toBe(
      "    deny: no rule",
    );
    expect(renderEvent(ev("task.approval.waiting", { approval: "ap_1", call }), PLAIN)).toBe(
      "  approval ap_1 waits: exec make deploy",
    );
    expect(renderEvent(ev("task.question", { question: "q_1", text: "Which branch?" }), PLAIN)).toBe(
      "  question Which branch?",
    );
    expect(renderEvent(ev("message.sent", { channel: "cli", to: "owner", text: "built" }), PLAIN)).toBe(
      "  message to owner on cli: built",
    );
    expect(renderEvent(ev("task.ended", { state: "failed", text: "budget exhausted: steps" }), PLAIN)).toBe(
      "  task failed: budget exhausted: steps",
    );
    expect(renderEvent(ev("task.ended", { state: "done", text: "ok" }), PLAIN)).toBeNull();
    expect(renderEvent(ev("task.tool.result", { ok: true }), PLAIN)).toBeNull();
    expect(renderEvent(ev("task.policy.decision", { effect: "ask", rule: "r" }), COLOURS)).toContain("\u001b[33mask");
  });

  it("drops terminal control sequences a hostile model could write", () => {
    expect(printable("ok\u001b[2J\u001b]0;pwned\u0007 done\u0008!")).toBe("ok done!");
    const shown = renderEvent(ev("task.question", { text: "hi\u001b[31m there\r" }), PLAIN);
    expect(shown).toBe("  question hi there");
  });
});
