// `warden chat [--workspace DIR]`: a conversation with the agent through the running daemon. Each line is a task;
// a follow-up names the task before it, and the daemon hands the earlier turns (requests and final answers) to the
// new task. Shows what happens as it happens (from the WebSocket event stream) and answers approvals and questions
// inline. Interactive on a terminal (readline, colours unless NO_COLOR); line by line from a pipe.
// Never answers an approval by itself: an empty answer leaves the request waiting.
import type { Command } from "commander";
import type { WardenEvent } from "../../gateway/index.js";
import { type CliContext, println } from "../context.js";
import { COLOURS, HELP, type Palette, PLAIN, printable, renderEvent } from "./chat-view.js";

interface Inquiry {
  kind: "approval" | "question";
  task: string;
  id: string;
}

export function registerChat(program: Command, ctx: CliContext): void {
  program
    .command("chat")
    .description("talk with the agent: each line is a task; tool calls, decisions and approvals show as they happen")
    .option("--workspace <dir>", "work in this folder (default: a fresh workspace per task)")
    .action(async (opts: { workspace?: string }) => {
      const { resolve } = await import("node:path");
      await chat(ctx, opts.workspace === undefined ? undefined : resolve(ctx.cwd, opts.workspace));
    });
}

async function chat(ctx: CliContext, workspace: string | undefined): Promise<void> {
  const { createInterface } = await import("node:readline");
  const { daemonClient } = await import("../remote.js");
  const { WardenError, toWardenError } = await import("../../errors.js");
  const client = daemonClient(ctx.homeRoot, 24 * 60 * 60 * 1000);
  const interactive = (ctx.stdin as { isTTY?: boolean }).isTTY === true;
  const noColour = ctx.self.env.NO_COLOR !== undefined && ctx.self.env.NO_COLOR !== "";
  const p: Palette = (ctx.stdout as { isTTY?: boolean }).isTTY === true && !noColour ? COLOURS : PLAIN;
  const out = ctx.stdout;

  // --- output: streamed text stays on its line; anything else starts a fresh one.
  let midLine = false;
  let textShown = false; // since the last tool call: the final answer was streamed already
  const line = (s: string) => {
    if (midLine) out.write("\n");
    midLine = false;
    println(out, s);
  };
  const text = (delta: string) => {
    if (!textShown) {
      if (midLine) out.write("\n");
      out.write(p.bold("warden: "));
      textShown = true;
    }
    const clean = printable(delta.replace(/\r/g, ""));
    out.write(clean);
    midLine = !clean.endsWith("\n");
  };

  // --- the task being followed (and its sub-agents), its end, and what waits for an answer.
  const mine = new Set<string>();
  let current: string | undefined;
  let early: WardenEvent[] = []; // events that arrived before the POST told us the task id
  let ended: ((e: WardenEvent) => void) | undefined;
  const inquiries: Inquiry[] = [];
  const asked = new Set<string>(); // approvals shown in this chat: their resolution is shown too
  let inquiryArrived: (() => void) | undefined;

  const show = (e: WardenEvent) => {
    const d = e.data;
    if (e.type === "task.created" && typeof d.parent === "string" && mine.has(d.parent)) {
      mine.add(String(d.task));
      return;
    }
    if (e.type === "schedule.notice") return line(renderEvent(e, p) ?? "");
    if (e.type === "approval.resolved") {
      const id = String((d.approval as { id?: unknown } | undefined)?.id ?? "");
      if (!asked.has(id)) return;
      settled.get(id)?.();
    } else if (!mine.has(String(d.task))) return;
    if (e.type === "task.text") return text(String(d.delta ?? ""));
    if (e.type === "task.tool.proposed") textShown = false;
    if (e.type === "task.ended" && d.task === current) {
      if (d.state === "done" && !textShown && typeof d.text === "string" && d.text !== "") text(d.text);
      if (midLine) out.write("\n");
      midLine = false;
    }
    const shown = renderEvent(e, p);
    if (shown !== null) line(shown);
    if (e.type === "task.approval.waiting") ask({ kind: "approval", task: String(d.task), id: String(d.approval) });
    if (e.type === "task.question") ask({ kind: "question", task: String(d.task), id: String(d.question) });
    if (e.type === "task.ended" && d.task === current) ended?.(e);
  };
  const ask = (q: Inquiry) => {
    asked.add(q.id);
    inquiries.push(q);
    inquiryArrived?.();
  };
  const onEvent = (e: WardenEvent) => {
    if (current === undefined && e.type.startsWith("task.")) {
      if (early.length < 10_000) early.push(e);
      return;
    }
    show(e);
  };

  const socket = await client.events(onEvent);
  let closing = false;
  let gone: (() => void) | undefined;
  socket.on("close", () => {
    if (closing) return;
    line(p.red("The daemon closed the event stream (stopped?)."));
    ctx.exitCode = 1;
    gone?.();
  });

  // --- input: lines are taken one at a time, as the conversation needs them (a pipe is read in order).
  const rl = createInterface({ input: ctx.stdin, ...(interactive ? { output: out } : {}), terminal: interactive });
  const lines: string[] = [];
  let eof = false;
  let lineArrived: (() => void) | undefined;
  let interrupts = 0;
  rl.on("line", (l) => {
    // On a terminal, /halt and /quit act at once, even while a task runs.
    if (interactive && current !== undefined && (l.trim() === "/halt" || l.trim() === "/quit")) {
      void immediate(l.trim());
      return;
    }
    lines.push(l);
    lineArrived?.();
  });
  rl.on("close", () => {
    eof = true;
    lineArrived?.();
  });
  /** The next line; null at the end of input; "moot" when `moot` settles first (what was asked is over). */
  const nextLine = async (prompt: string, moot?: Promise<unknown>): Promise<string | null | { moot: true }> => {
    if (interactive) {
      if (midLine) line("");
      rl.setPrompt(prompt);
      rl.prompt();
    }
    let over = false;
    void moot?.then(() => {
      over = true;
      lineArrived?.();
    });
    while (lines.length === 0 && !eof && !over) await new Promise<void>((r) => (lineArrived = r));
    if (over) {
      if (interactive) out.write("\n");
      return { moot: true };
    }
    return lines.shift() ?? null;
  };

  let quit = false;
  const cancel = async () => {
    if (current === undefined) return;
    line(p.dim("cancelling the task... (Ctrl-C again to leave)"));
    await client.request("POST", `/v1/tasks/${encodeURIComponent(current)}/cancel`).catch(() => undefined);
  };
  const leave = () => {
    quit = true;
    eof = true;
    lineArrived?.();
    ended?.({ type: "task.ended", ts: "", data: { state: "left" } });
  };
  const immediate = async (cmd: string) => {
    if (cmd === "/halt") {
      await client.request("POST", "/v1/halt");
      line(p.yellow("Halted: no task runs, no sandbox is alive, no approval is pending."));
    } else leave();
  };
  const onInterrupt = () => {
    interrupts += 1;
    if (current !== undefined && interrupts === 1) void cancel();
    else leave();
  };
  if (interactive) rl.on("SIGINT", onInterrupt);
  else process.on("SIGINT", onInterrupt);

  /** Settles when the approval was answered elsewhere (or the task ended): the inline prompt is then moot. */
  const settled = new Map<string, () => void>();
  const answer = async (q: Inquiry, end: Promise<unknown>): Promise<void> => {
    const elsewhere = new Promise<void>((r) => settled.set(q.id, r));
    const prompt =
      q.kind === "approval"
        ? `  approve ${q.id}? [o]nce, [t]ask, [d]eny, Enter leaves it waiting: `
        : "  your answer (Enter leaves it unanswered): ";
    if (!interactive) println(out, prompt.trimEnd());
    const reply = await nextLine(prompt, Promise.race([end, elsewhere]));
    settled.delete(q.id);
    if (typeof reply === "object" && reply !== null) return;
    if (reply === null) {
      if (quit) return; // left with Ctrl-C or /quit: nothing to say about input
      line(
        q.kind === "approval"
          ? `No answer (input ended): ${q.id} stays pending; answer it with warden approve ${q.id} or warden deny ${q.id}.`
          : `No answer (input ended): the question ${q.id} stays open.`,
      );
      ctx.exitCode = 4;
      return leave();
    }
    const r = reply.trim();
    if (r === "") return line(p.dim(`  left waiting: ${q.id}`));
    try {
      if (q.kind === "question") {
        await client.request("POST", `/v1/tasks/${encodeURIComponent(q.task)}/answer`, { question: q.id, text: r });
        return;
      }
      const choice = r.toLowerCase();
      if (choice === "o" || choice === "once" || choice === "t" || choice === "task") {
        const scope = choice.startsWith("o") ? "once" : "task";
        await client.request("POST", `/v1/approvals/${encodeURIComponent(q.id)}/approve`, { scope });
      } else if (choice === "d" || choice === "deny") {
        await client.request("POST", `/v1/approvals/${encodeURIComponent(q.id)}/deny`, { reason: "denied in chat" });
      } else {
        line(p.dim("  not an answer: o, t, d, or Enter to leave it waiting"));
        return answer(q, end);
      }
    } catch (e) {
      line(p.red(`  ${toWardenError(e).message}`));
    }
  };

  /** One request: a task, followed until it ends, answering what it asks on the way. */
  let previous: string | undefined;
  const turn = async (prompt: string) => {
    interrupts = 0;
    textShown = false;
    const end = new Promise<WardenEvent>((r) => (ended = r));
    let reply: { task: string };
    try {
      reply = await client.request<{ task: string }>("POST", "/v1/tasks", {
        prompt,
        detach: true,
        ...(previous ? { follows: previous } : {}),
        ...(workspace ? { workspace } : {}),
      });
    } catch (e) {
      const error = toWardenError(e);
      early = [];
      line(p.red(`warden: ${error.message}`));
      if (error.details.fix) line(`  fix: ${error.details.fix}`);
      ctx.exitCode = 1;
      return;
    }
    current = reply.task;
    mine.add(current);
    for (const e of early.splice(0)) show(e);
    for (;;) {
      const next = await Promise.race([
        end.then(() => "ended" as const),
        new Promise<"asked">((r) => {
          inquiryArrived = () => r("asked");
          if (inquiries.length > 0) r("asked");
        }),
        new Promise<"gone">((r) => (gone = () => r("gone"))),
      ]);
      if (next !== "asked") break;
      const q = inquiries.shift();
      if (q) await answer(q, end);
      if (quit) break;
    }
    const last = await Promise.race([end, new Promise<null>((r) => setTimeout(() => r(null), 0))]);
    if (last?.data.state === "failed") ctx.exitCode = 1;
    previous = current;
    current = undefined;
    inquiries.length = 0;
  };

  if (interactive) line(p.dim(`Warden chat (${client.baseUrl}). /help for commands, /quit or Ctrl-D to leave.`));
  try {
    while (!quit) {
      const input = await nextLine(p.bold("you> "));
      if (typeof input !== "string" || quit) break;
      const t = input.trim();
      if (t === "") continue;
      if (!interactive) line(`you> ${printable(t)}`); // a transcript that reads like the conversation
      if (t === "/quit" || t === "/exit") break;
      if (t === "/help") line(HELP);
      else if (t === "/new") {
        previous = undefined;
        line(p.dim("A new conversation."));
      } else if (t === "/halt") await immediate(t);
      else if (t.startsWith("/")) line(`unknown command ${t}; /help lists them`);
      else await turn(t);
      if (ctx.exitCode === 1 && socket.readyState !== socket.OPEN) break;
    }
  } finally {
    closing = true;
    if (!interactive) process.off("SIGINT", onInterrupt);
    rl.close();
    socket.close();
  }
  if (current !== undefined) throw new WardenError("INTERRUPTED", "left while a task was running");
}
