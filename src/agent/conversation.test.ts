// conversationHistory: only requests and final answers carry over, newest first within the limits, oldest first out.
import { describe, expect, it } from "vitest";
import type { TranscriptEntry } from "../tasks/index.js";
import { conversationHistory } from "./conversation.js";

let seq = 0;
const e = (role: TranscriptEntry["role"], content: string, extra: Partial<TranscriptEntry> = {}): TranscriptEntry => ({
  seq: ++seq,
  role,
  content,
  createdAt: "",
  ...extra,
});

describe("conversationHistory", () => {
  it("keeps user requests and final answers, drops the system prompt, tool calls and tool results", () => {
    const t = [
      e("system", "you are warden"),
      e("user", "list my files"),
      e("assistant", "", { toolCalls: [{ id: "c1", name: "list_dir", arguments: "{}" }] }),
      e("tool", '{"ok":true,"entries":["a"]}', { toolCallId: "c1" }),
      e("assistant", "You have one file: a."),
    ];
    expect(conversationHistory(t)).toEqual([
      { role: "user", content: "list my files" },
      { role: "assistant", content: "You have one file: a." },
    ]);
  });

  it("keeps the most recent turns within the limits and starts with a request", () => {
    const t = [e("user", "one"), e("assistant", "1"), e("user", "two"), e("assistant", "2"), e("user", "three")];
    expect(conversationHistory(t, { messages: 4, chars: 1000 }).map((m) => m.content)).toEqual(["two", "2", "three"]);
    expect(conversationHistory(t, { messages: 10, chars: 9 }).map((m) => m.content)).toEqual(["two", "2", "three"]);
    expect(conversationHistory([e("user", "x".repeat(50))], { messages: 10, chars: 10 })).toEqual([]);
  });
});
