// What of a model's text is its visible answer: a leading <think>...</think> block (Qwen3, DeepSeek-R1 through
// servers that leave it in the content) is split off as reasoning, and the TextGate streams the answer to the caller
// while holding back whatever may turn out to be a tool call written as text. Pure; never throws.
import { mayBeTextToolCall } from "./text-tool-calls.js";

/** A leading thinking block, split from the answer; while it is still open the answer is empty. */
export function splitThinking(content: string): { thinking: string; answer: string } {
  const start = content.trimStart();
  if (!start.startsWith("<think>")) return { thinking: "", answer: content };
  const close = start.indexOf("</think>");
  if (close < 0) return { thinking: start.slice("<think>".length), answer: "" };
  return { thinking: start.slice("<think>".length, close), answer: start.slice(close + "</think>".length).trimStart() };
}

/** Tags that open a tool call written as text in the middle of an answer. */
const TAGS = ["<tool_call>", "<function="];

/** Streams visible text to `onText`, holding back whatever may be a tool call written as text. */
export class TextGate {
  private emitted = "";
  private mode: "undecided" | "live" | "held" = "undecided";
  constructor(
    private readonly onText: ((delta: string) => void) | undefined,
    private readonly gated: boolean,
  ) {}

  update(content: string): void {
    if (!this.onText) return;
    if (!this.gated) {
      this.emitUpTo(content, content.length);
      return;
    }
    if (this.mode === "undecided" && content.trim() !== "") this.mode = mayBeTextToolCall(content) ? "held" : "live";
    if (this.mode !== "live") return;
    const tags = TAGS.map((t) => content.indexOf(t)).filter((i) => i >= 0);
    if (tags.length > 0) {
      this.emitUpTo(content, Math.min(...tags));
      return;
    }
    let keep = 0; // a tail that could be the start of a tag waits for the next delta
    for (const tag of TAGS) {
      for (let n = Math.min(tag.length - 1, content.length); n > keep; n--) {
        if (content.endsWith(tag.slice(0, n))) {
          keep = n;
          break;
        }
      }
    }
    this.emitUpTo(content, content.length - keep);
  }

  finish(finalContent: string): void {
    if (this.onText && finalContent.startsWith(this.emitted)) this.emitUpTo(finalContent, finalContent.length);
  }

  private emitUpTo(content: string, end: number): void {
    if (end <= this.emitted.length) return;
    const delta = content.slice(this.emitted.length, end);
    this.emitted = content.slice(0, end);
    this.onText?.(delta);
  }
}
