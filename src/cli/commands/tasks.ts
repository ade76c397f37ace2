// `warden ask "text"`, `warden tasks list|show|cancel`, `warden answer`, `warden halt`: work for the agent, through the
// running daemon. ask prints the answer and exits 0; a failed task exits 1; a task waiting on a human exits 4 with the
// approval id or the question it asked.
import type { Command } from "commander";
import { WardenError } from "../../errors.js";
import { type CliContext, printJson, println } from "../context.js";
import { daemonClient } from "../remote.js";

interface AskReply {
  task: string;
  state: string;
  text?: string;
  approval?: string;
  /** Set when the task (or one of its sub-agents: `asker`) asked the owner a question. */
  question?: string;
  asker?: string;
  workspace?: string;
}

type TreeView = TaskView & { children?: TreeView[] };

function printTree(out: CliContext["stdout"], nodes: readonly TreeView[], indent: string): void {
  for (const c of nodes) {
    println(out, `${indent}└ sub-agent ${c.id}  ${c.state.padEnd(16)} ${c.prompt.slice(0, 60)}`);
    printTree(out, c.children ?? [], `${indent}  `);
  }
}

interface QuestionView {
  id: string;
  task: string;
  text: string;
  state: string;
  answer: string | null;
}

interface TaskView {
  id: string;
  state: string;
  prompt: string;
  workspace: string;
  createdAt?: string;
  updatedAt?: string;
  result?: string | null;
  parent?: string | null;
  /** The schedule the task is a run of, and the policy profile its actions carry. */
  schedule?: string | null;
  profile?: string | null;
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
      if (reply.state === "waiting_approval" && reply.question) {
        const who =
          reply.asker && reply.asker !== reply.task
            ? `Sub-agent ${reply.asker} of task ${reply.task}`
            : `Task ${reply.task}`;
        println(ctx.stdout, `${who} asks: ${reply.text ?? ""}`);
        println(ctx.stdout, `  warden answer ${reply.question} "your answer"`);
        return;
      }
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
    .description("one task: its parent, sub-agents, questions to you and (redacted) transcript")
    .argument("<id>")
    .option("--json", "print as JSON")
    .action(async (id: string, opts: { json?: boolean }) => {
      const t = await daemonClient(ctx.homeRoot).request<
        TaskView & {
          transcript: { role: string; content: string }[];
          children?: TreeView[];
          questions?: QuestionView[];
        }
      >("GET", `/v1/tasks/${encodeURIComponent(id)}`);
      if (opts.json) return printJson(ctx.stdout, t);
      println(ctx.stdout, `${t.id}  ${t.state}  workspace ${t.workspace}`);
      if (t.parent) println(ctx.stdout, `  sub-agent of ${t.parent}`);
      if (t.schedule) println(ctx.stdout, `  run of schedule ${t.schedule}`);
      if (t.profile) println(ctx.stdout, `  policy profile ${t.profile}`);
      printTree(ctx.stdout, t.children ?? [], "  ");
      for (const q of t.questions ?? [])
        println(
          ctx.stdout,
          `  ? ${q.id} (${q.state}) ${q.text.slice(0, 200)}${q.answer ? ` -> ${q.answer.slice(0, 200)}` : ""}`,
        );
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
    .command("answer")
    .description("answer a question the agent asked you (ask_owner); ID is the question, or a task with one question")
    .argument("<id>", "question id (q_...), or the id of a task with exactly one pending question")
    .argument("<text>", "your answer (the agent takes it as trusted input)")
    .action(async (id: string, text: string) => {
      const client = daemonClient(ctx.homeRoot);
      const { questions } = await client.request<{ questions: QuestionView[] }>("GET", "/v1/questions?state=pending");
      const matches = questions.filter((q) => q.id === id || q.task === id);
      const [q] = matches;
      if (!q)
        throw new WardenError("NOT_FOUND", `no pending question ${id}`, {
          fix: "warden tasks show TASK lists a task's questions; an unanswered one expires like an approval",
        });
      if (matches.length > 1)
        throw new WardenError("USAGE", `task ${id} has ${matches.length} pending questions; answer one by its id`, {
          fix: matches.map((m) => `warden answer ${m.id} "..."  (${m.text.slice(0, 60)})`).join("; "),
        });
      await client.request("POST", `/v1/tasks/${encodeURIComponent(q.task)}/answer`, { question: q.id, text });
      println(ctx.stdout, `Answered ${q.id}; task ${q.task} goes on.`);
    });

  program
    .command("halt")
    .description("the kill switch: cancel every task, kill every sandbox, cancel every pending approval")
    .action(async () => {
      await daemonClient(ctx.homeRoot).request("POST", "/v1/halt");
      println(ctx.stdout, "Halted: no task runs, no sandbox is alive, no approval is pending.");
    });
}
