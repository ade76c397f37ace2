// ask_owner: a question to the owner. Persisted (one per tool call, so a call resumed after a restart waits on the
// question it already asked), published as `task.question` {task, question, text}, answered through
// `POST /v1/tasks/:id/answer` or `warden answer`. The task shows as waiting_approval meanwhile and holds no runner
// slot. The owner's answer is trusted input; an unanswered question expires like an approval and the model gets
// "no answer". The action is `{tool: "ask_owner", channel: "cli", to: "owner"}` with the question under `args`.
import * as z from "zod";
import { MAX_QUESTION_CHARS, type Question, type Questions } from "../../tasks/index.js";
import { defineTool, fail, SUSPEND, type Tool, type ToolOutput } from "../tool.js";

const schema = z.lazy(() =>
  z.strictObject({
    question: z.string().min(1).max(MAX_QUESTION_CHARS),
  }),
);
type Args = z.infer<typeof schema>;

export interface AskOwnerDeps {
  questions: Pick<Questions, "ask" | "wait" | "cancelTask">;
  /** The daemon's event bus (`task.question`). */
  publish: (type: string, data: Record<string, unknown>) => void;
}

export function askOwnerTool(deps: AskOwnerDeps): Tool<unknown> {
  return defineTool<Args>({
    name: "ask_owner",
    description: "Ask your owner a question and wait for the answer (or for no answer).",
    schema,
    sideEffect: false,
    action: (a) => ({ tool: "ask_owner", channel: "cli", to: "owner", args: { question: a.question } }),
    async run(a, ctx): Promise<ToolOutput> {
      const q = deps.questions.ask({ task: ctx.task, call: ctx.call, text: a.question });
      if (q.state === "pending") deps.publish("task.question", { task: ctx.task, question: q.id, text: q.text });
      // Cancelled: the question is withdrawn. Suspended (Warden stopping): it stays pending for the next start.
      let stop = () => {};
      const stopped = new Promise<null>((resolve) => {
        stop = () => {
          if (ctx.signal.reason !== SUSPEND) deps.questions.cancelTask(ctx.task);
          resolve(null);
        };
      });
      ctx.signal.addEventListener("abort", stop, { once: true });
      if (ctx.signal.aborted) stop();
      let end: Question | null;
      try {
        end = await ctx.idle(Promise.race([deps.questions.wait(q.id), stopped]), { human: true });
      } finally {
        ctx.signal.removeEventListener("abort", stop);
      }
      if (end === null) return fail("CANCELLED", "the task was stopped while it waited for the answer");
      if (end.state === "answered") return { ok: true, value: { question: end.id, answer: end.answer ?? "" } };
      if (end.state === "expired")
        return fail("NO_ANSWER", "no answer: the owner did not answer in time; decide without it or stop");
      return fail("CANCELLED", "the question was withdrawn because the task was stopped");
    },
  });
}
