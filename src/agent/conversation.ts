// Conversations (`warden chat`): a follow-up task carries the earlier turns of its conversation, taken from the
// transcript of the task it follows: the user requests and the final answers, never tool calls or tool results
// (those stay in the earlier task's own transcript). Bounded, so a long chat cannot outgrow a small local context.
import type { ChatMessage } from "../models/index.js";
import type { TranscriptEntry } from "../tasks/index.js";

export const HISTORY_MAX_MESSAGES = 20;
export const HISTORY_MAX_CHARS = 16_000;

/**
 * The conversation so far as seen at the end of `transcript` (which holds its own history first): user messages and
 * assistant answers without tool calls, the most recent ones that fit both limits, oldest first, starting with a user
 * turn. The transcript is already redacted.
 */
export function conversationHistory(
  transcript: readonly TranscriptEntry[],
  limits = { messages: HISTORY_MAX_MESSAGES, chars: HISTORY_MAX_CHARS },
): ChatMessage[] {
  const turns = transcript.filter(
    (e) => e.role === "user" || (e.role === "assistant" && !e.toolCalls?.length && e.content.trim() !== ""),
  );
  const out: ChatMessage[] = [];
  let chars = 0;
  for (let i = turns.length - 1; i >= 0 && out.length < limits.messages; i--) {
    const e = turns[i] as TranscriptEntry;
    if (chars + e.content.length > limits.chars) break;
    chars += e.content.length;
    out.unshift({ role: e.role as "user" | "assistant", content: e.content });
  }
  while (out[0]?.role === "assistant") out.shift();
  return out;
}
