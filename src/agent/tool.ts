// What a built-in tool is: a name, a zod schema for its arguments (the JSON Schema the model sees comes from it),
// the Action it proposes, and how it runs once policy (and maybe a human) said yes. Tools never decide policy and
// never throw for expected failures: they return { ok: false, error } for the model.
import * as z from "zod";
import type { ToolSpec } from "../models/index.js";
import type { Action, Decision } from "../policy/index.js";

/** The tool-specific part of an Action; the loop adds task, agent, principal, taint, workspace and budget. */
export type ProposedAction = Pick<Action, "tool" | "argv" | "cwd" | "path" | "url" | "method" | "args">;

export interface ToolContext {
  /** Real path of the task workspace; host-side tools never act outside it. */
  workspace: string;
  /** The decision that allowed this call: `facts.path` / `facts.cwd` are the real paths to act on. */
  decision: Decision;
  signal: AbortSignal;
  /** Real paths the agent itself wrote in this task (files it did not write are untrusted). */
  written: Set<string>;
}

export type ToolError = { code: string; reason: string };

export type ToolOutput =
  | {
      ok: true;
      value: Record<string, unknown>;
      /** The value holds content the agent did not produce: the task becomes untrusted. */
      untrusted?: boolean;
      exitCode?: number | null;
    }
  | { ok: false; error: ToolError; exitCode?: number | null };

export interface Tool<A = unknown> {
  readonly name: string;
  readonly description: string;
  readonly schema: z.ZodType<A>;
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
  const { $schema: _drop, ...parameters } = z.toJSONSchema(tool.schema, { io: "input" }) as Record<string, unknown>;
  return { name: tool.name, description: tool.description, parameters };
}
  /** JSON Schema shown to the model instead of the one generated from `schema` (MCP tools bring their own). */
  readonly parameters?: Record<string, unknown>;
  if (tool.parameters) return { name: tool.name, description: tool.description, parameters: tool.parameters };
