// exec: run an argv (never a shell string) through the Sandbox, in the task workspace, from the real cwd the policy
// decided on. Output goes back capped; it is untrusted (a command can print any file the sandbox can read).
// Never runs anything outside the Sandbox passed in.
import { relative } from "node:path";
import * as z from "zod";
import type { Sandbox } from "../../sandbox/index.js";
import { decidedPath } from "../confine.js";
import { defineTool, fail, type Tool, type ToolOutput } from "../tool.js";

/** Output handed back to the model per stream; the sandbox captures more, the rest is cut with a marker. */
export const MAX_EXEC_OUTPUT = 16 * 1024;

const schema = z.lazy(() =>
  z.strictObject({
    argv: z.array(z.string().max(65_536)).min(1).max(1024).describe("Program and arguments; no shell"),
    cwd: z.string().min(1).max(4096).optional().describe("Folder relative to the workspace"),
  }),
);

const cap = (s: string): string =>
  s.length <= MAX_EXEC_OUTPUT
    ? s
    : `${s.slice(0, MAX_EXEC_OUTPUT)}\n[... ${s.length - MAX_EXEC_OUTPUT} more characters cut]`;

export function execTool(sandbox: Sandbox): Tool<unknown> {
  return defineTool<z.infer<typeof schema>>({
    name: "exec",
    description: "Run a command (argv array, no shell) in the sandbox, in the workspace. No network.",
    schema,
    sideEffect: true,
    // A relative cwd is joined, not normalized: the policy applies ".." the way the kernel would.
    action: (a, workspace) => ({ tool: "exec", argv: a.argv, cwd: cwdOf(workspace, a.cwd) }),
    async run(a, ctx): Promise<ToolOutput> {
      const cwd = decidedPath(ctx.workspace, ctx.decision.facts, "cwd");
      if (!cwd.ok) return { ok: false, error: cwd.error };
      const run = await sandbox.run({
        argv: a.argv,
        workspace: ctx.workspace,
        cwd: cwd.value,
        signal: ctx.signal, // limits come from the sandbox profile only: the model cannot raise them
      });
      if (!run.ok) return fail(run.error.code, run.error.message);
      const r = run.value;
      return {
        ok: true,
        exitCode: r.exitCode,
        untrusted: true,
        value: {
          exitCode: r.exitCode,
          stdout: cap(r.stdout),
          stderr: cap(r.stderr),
          ...(r.timedOut ? { timedOut: true } : {}),
          ...(r.truncated ? { truncated: true } : {}),
          cwd: relative(ctx.workspace, cwd.value) || ".",
        },
      };
    },
  });
}

function cwdOf(workspace: string, cwd: string | undefined): string {
  if (cwd === undefined) return workspace;
  return cwd.startsWith("/") ? cwd : `${workspace}/${cwd}`;
}
