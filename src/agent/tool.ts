// What a built-in tool is: a name, a zod schema for its arguments (the JSON Schema the model sees comes from it),
// the Action it proposes, and how it runs once policy (and maybe a human) said yes. Tools never decide policy and
// never throw for expected failures: they return { ok: false, error } for the model.
import * as z from "zod";
import type { ToolSpec } from "../models/index.js";
import type { Action, Budget, Decision, Taint } from "../policy/index.js";

/**
 * The tool-specific part of an Action (with `readOnly` when the tool's own listing marks it so: MCP); the loop adds
 * task, agent, principal, profile, taint, workspace and budget, overwriting anything a tool put there.
 */
export type ProposedAction = Pick<
  Action,
  "tool" | "argv" | "cwd" | "path" | "url" | "method" | "args" | "channel" | "to" | "grants" | "secrets" | "readOnly"
>;

export interface ToolContext {
  /** Real path of the task workspace; host-side tools never act outside it. */
  workspace: string;
  /** The decision that allowed this call: `facts.path` / `facts.cwd` are the real paths to act on. */
  decision: Decision;
  signal: AbortSignal;
  /** Real paths the agent itself wrote in this task (files it did not write are untrusted). */
  written: Set<string>;
  /** The task and the tool call this run belongs to (a resumed call has the same id as before the restart). */
  task: string;
  call: string;
  /** The task's taint and remaining budget when the call was made. */
  taint: Taint;
  budget: Budget;
  /**
   * Wait on `p` without holding the task's runner slot (a sub-agent, the owner), so waiting never starves or
   * deadlocks the runner; `human: true` also shows the task as waiting on a person (waiting_approval) meanwhile.
   */
  idle<T>(p: Promise<T>, opts?: { human?: boolean }): Promise<T>;
}

/**
 * The abort reason when Warden stops while a task waits on a person: the task is suspended, not cancelled. A tool
 * that sees it must stop waiting but leave what it waits on (a question, a request) pending for the next start.
 */
export const SUSPEND: unique symbol = Symbol("warden.suspend");

/**
 * The abort reason when Warden stops while a task runs: the task ends `interrupted` (never re-run), as after a crash,
 * rather than `cancelled` (which says the owner stopped it).
 */
export const STOPPED: unique symbol = Symbol("warden.stopped");

export type ToolError = { code: string; reason: string };

export type ToolOutput =
  | {
      ok: true;
      value: Record<string, unknown>;
      /** The value holds content the agent did not produce: the task becomes untrusted. */
      untrusted?: boolean;
      exitCode?: number | null;
      /** Work done on the task's behalf (a sub-agent's steps and tokens): counted in the task's usage and budget. */
      usage?: { steps: number; tokens: number };
    }
  | { ok: false; error: ToolError; exitCode?: number | null };

export interface Tool<A = unknown> {
  readonly name: string;
  readonly description: string;
  readonly schema: z.ZodType<A>;
  /** JSON Schema shown to the model instead of the one generated from `schema` (MCP tools bring their own). */
  readonly parameters?: Record<string, unknown>;
  /** Changes something (runs a command, writes a file): recorded in the execution journal around run(). */
  readonly sideEffect: boolean;
  action(args: A, workspace: string): ProposedAction;
  run(args: A, ctx: ToolContext): Promise<ToolOutput>;
}

/** Erase the argument type so tools of different shapes live in one list (the schema checks args at run time). */
export const defineTool = <A>(tool: Tool<A>): Tool<unknown> => tool as unknown as Tool<unknown>;

export const fail = (code: string, reason: string): ToolOutput => ({ ok: false, error: { code, reason } });

/** The spec handed to the model: JSON Schema generated from the zod schema, without the `$schema` noise. */
export function toolSpec(tool: Tool<unknown>): ToolSpec {
  if (tool.parameters) return { name: tool.name, description: tool.description, parameters: tool.parameters };
  const { $schema: _drop, ...parameters } = z.toJSONSchema(tool.schema, { io: "input" }) as Record<string, unknown>;
  return { name: tool.name, description: tool.description, parameters };
}
