// How `warden chat` shows the daemon's events: streamed text, each tool call (tool + short arguments), the policy
// decision (effect + rule), approvals and questions waiting, messages sent, notices from schedules, and how a task
// ended. Pure: events in, text out (ANSI colours only when asked); chat.ts decides which events are shown.
import type { WardenEvent } from "../../gateway/index.js";

export interface Palette {
  dim(s: string): string;
  bold(s: string): string;
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const ansi = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
export const COLOURS: Palette = {
  dim: ansi(2, 22),
  bold: ansi(1, 22),
  green: ansi(32, 39),
  red: ansi(31, 39),
  yellow: ansi(33, 39),
  cyan: ansi(36, 39),
};
const same = (s: string) => s;
export const PLAIN: Palette = { dim: same, bold: same, green: same, red: same, yellow: same, cyan: same };

const MAX_ARGS = 120;

/** One line for a tool call: `exec git status`, `read_file notes.txt`, else the tool and its compact JSON. */
export function shortCall(name: string, args: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return `${name} ${clip(oneLine(args))}`;
  }
  const a = (parsed ?? {}) as Record<string, unknown>;
  if (Array.isArray(a.argv) && a.argv.every((x) => typeof x === "string"))
    return `${name} ${clip(oneLine((a.argv as string[]).map(quoteArg).join(" ")))}`;
  if (typeof a.path === "string" && Object.keys(a).length <= 2 && !("content" in a)) return `${name} ${clip(a.path)}`;
  const json = JSON.stringify(a, (k, v) => (k === "content" && typeof v === "string" ? `<${v.length} chars>` : v));
  return `${name} ${clip(oneLine(json))}`;
}

const quoteArg = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : JSON.stringify(s));
const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();
const clip = (s: string) => (s.length > MAX_ARGS ? `${s.slice(0, MAX_ARGS - 3)}...` : s);
// Text from the model or the daemon is shown, never interpreted: terminal control sequences are dropped.
export const printable = (s: string) =>
  s.replace(
    /\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)?|[\u0000-\u0008\u000b-\u001f\u007f]/g,
    "",
  );

type Data = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" ? v : "");
const callOf = (d: Data) => (d.call ?? {}) as { name?: string; arguments?: string };

/**
 * The line(s) to print for one event (without a trailing newline), or null when it shows nothing by itself (text
 * deltas are written as they come by the caller).
 */
export function renderEvent(e: WardenEvent, p: Palette): string | null {
  const d = e.data;
  switch (e.type) {
    case "task.tool.proposed": {
      const c = callOf(d);
      return `  ${p.cyan("→")} ${printable(shortCall(str(c.name), str(c.arguments)))}`;
    }
    case "task.policy.decision": {
      const effect = str(d.effect);
      const colour = effect === "allow" ? p.green : effect === "deny" ? p.red : p.yellow;
      const rule = d.rule ? ` (rule ${printable(str(d.rule))})` : "";
      const reason = effect === "allow" ? "" : `: ${printable(str(d.reason))}`;
      return `    ${colour(effect)}${p.dim(rule)}${reason}`;
    }
    case "task.tool.result":
      return d.ok ? null : `    ${p.red("failed")}`;
    case "task.approval.waiting": {
      const c = callOf(d);
      return `  ${p.yellow("approval")} ${str(d.approval)} waits: ${printable(shortCall(str(c.name), str(c.arguments)))}`;
    }
    case "task.question":
      return `  ${p.yellow("question")} ${printable(str(d.text))}`;
    case "message.sent":
      return `  ${p.cyan("message")} to ${printable(str(d.to))} on ${printable(str(d.channel))}: ${printable(str(d.text))}`;
    case "approval.resolved": {
      const a = (d.approval ?? d) as Data;
      return `    approval ${str(a.id)} ${str(a.state)}${a.answeredBy ? ` by ${str(a.answeredBy)}` : ""}`;
    }
    case "schedule.notice":
      return `  ${p.yellow(`[schedule ${printable(str(d.schedule))}]`)} ${printable(str(d.text))}`;
    case "task.ended": {
      const state = str(d.state);
      if (state === "done") return null;
      return `  ${p.red(`task ${state}`)}: ${printable(str(d.text))}`;
    }
    default:
      return null;
  }
}

export const HELP = `Type a request and press Enter; each line is a task, and follow-ups see the earlier turns.
While a task runs you see its text, tool calls, policy decisions and approvals as they happen.
  /new    start a new conversation (forget the earlier turns)
  /halt   the kill switch: cancel every task, kill every sandbox, cancel every pending approval
  /quit   leave (also Ctrl-D)
  /help   this text
Ctrl-C cancels the running task; a second Ctrl-C leaves.
When an approval waits: o = approve once, t = approve for the rest of the task, d = deny, Enter = leave it waiting.`;
