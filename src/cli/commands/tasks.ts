// `warden ask "text"`, `warden tasks list|show|cancel`, `warden halt`: work for the agent, through the running daemon.
// ask prints the answer and exits 0; a failed task exits 1; a task waiting on a human exits 4 with the approval id.
import type { Command } from "commander";
import { type CliContext, printJson, println } from "../context.js";
import { daemonClient } from "../remote.js";

interface AskReply {
  task: string;
  state: string;
  text?: string;
  approval?: string;
  workspace?: string;
}

interface TaskView {
  id: string;
  state: string;
  prompt: string;
  workspace: string;
  createdAt?: string;
  updatedAt?: string;
  result?: string | null;
}

export function registerTasks(program: Command, ctx: CliContext): void {
  program
    .command("ask")
    .description("give the agent one task as the owner and print its answer (exit 4 while it waits on an approval)")
    .argument("<text>", "what to do")
    .option("--workspace <dir>", "work in this folder (default: a fresh workspace under the home)")
    .option("--json", "print the outcome as JSON")
    .action(async (text: string, opts: { workspace?: string; json?: boolean }) => {
      const { resolve } = await import("node:path");
      // A task can run for minutes: no client-side timeout shorter than the task's own budget.
      const client = daemonClient(ctx.homeRoot, 24 * 60 * 60 * 1000);
      const reply = await client.request<AskReply>("POST", "/v1/tasks", {
        prompt: text,
        ...(opts.workspace ? { workspace: resolve(ctx.cwd, opts.workspace) } : {}),
      });
      if (reply.state === "waiting_approval") ctx.exitCode = 4;
      else if (reply.state !== "done") ctx.exitCode = 1;
      if (opts.json) return printJson(ctx.stdout, reply);
      if (reply.state === "waiting_approval") {
        println(ctx.stdout, `Task ${reply.task} waits for approval ${reply.approval}.`);
        println(ctx.stdout, `  warden approvals list; warden approve ${reply.approval} (or deny it)`);
        return;
      }
      println(ctx.stdout, reply.text ?? "");
      if (reply.state !== "done") println(ctx.stderr, `warden: task ${reply.task} ${reply.state}`);
    });

  const tasks = program.command("tasks").description("the agent's tasks");
  tasks
    .command("list")
    .description("recent tasks with their state and workspace")
    .option("--json", "print as JSON")
    .action(async (opts: { json?: boolean }) => {
      const { tasks: list } = await daemonClient(ctx.homeRoot).request<{ tasks: TaskView[] }>("GET", "/v1/tasks");
      if (opts.json) return printJson(ctx.stdout, list);
      if (list.length === 0) return println(ctx.stdout, "No tasks yet.");
      for (const t of list)
        println(ctx.stdout, `${t.id}  ${t.state.padEnd(16)} ${t.prompt.slice(0, 60)}  ${t.workspace}`);
    });
  tasks
    .command("show")
    .description("one task with its (redacted) transcript")
    .argument("<id>")
    .option("--json", "print as JSON")
    .action(async (id: string, opts: { json?: boolean }) => {
      const t = await daemonClient(ctx.homeRoot).request<
        TaskView & { transcript: { role: string; content: string }[] }
      >("GET", `/v1/tasks/${encodeURIComponent(id)}`);
      if (opts.json) return printJson(ctx.stdout, t);
      println(ctx.stdout, `${t.id}  ${t.state}  workspace ${t.workspace}`);
      for (const m of t.transcript) println(ctx.stdout, `  [${m.role}] ${m.content.slice(0, 400)}`);
    });
  tasks
    .command("cancel")
    .description("cancel a running or queued task")
    .argument("<id>")
    .action(async (id: string) => {
      await daemonClient(ctx.homeRoot).request("POST", `/v1/tasks/${encodeURIComponent(id)}/cancel`);
      println(ctx.stdout, `Cancelled ${id}.`);
    });

  program
    .command("halt")
    .description("the kill switch: cancel every task, kill every sandbox, cancel every pending approval")
    .action(async () => {
      await daemonClient(ctx.homeRoot).request("POST", "/v1/halt");
      println(ctx.stdout, "Halted: no task runs, no sandbox is alive, no approval is pending.");
    });
}
