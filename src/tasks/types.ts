// Types of the tasks domain: what a task is, its states, budget and usage. Types and tiny pure helpers only.
import type { Principal, Taint } from "../policy/index.js";

export const TASK_STATES = [
  "queued",
  "running",
  "waiting_approval",
  "done",
  "failed",
  "cancelled",
  "interrupted",
] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** States a task never leaves. */
export const FINAL_STATES: readonly TaskState[] = ["done", "failed", "cancelled", "interrupted"];

/** Limits of one task; a missing figure means "no limit of that kind". */
export interface TaskBudget {
  steps?: number;
  tokens?: number;
  wallMs?: number;
}

export interface TaskUsage {
  steps: number;
  tokens: number;
  wallMs: number;
}

export interface Task {
  id: string;
  parent: string | null;
  principal: Principal;
  /** The schedule this task is a run of (set by the runtime), or null. */
  schedule: string | null;
  /**
   * The named policy profile its actions carry (`when: {profile: NAME}` in rules), set by the runtime from the
   * schedule (sub-agents inherit their parent's), never by the model; null for none.
   */
  profile: string | null;
  /** The agent working on it (`main`, or a sub-agent's name). */
  agent: string;
  state: TaskState;
  /** The request as given, redacted. */
  prompt: string;
  /** Absolute path of the task's workspace folder. */
  workspace: string;
  taint: Taint;
  budget: TaskBudget;
  usage: TaskUsage;
  /** The final answer (done) or why it ended otherwise (failed, cancelled, interrupted), redacted. */
  result: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface TranscriptEntry {
  seq: number;
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  toolCalls?: { id: string; name: string; arguments: string }[];
  toolCallId?: string;
  createdAt: string;
}

export const isFinal = (s: TaskState): boolean => FINAL_STATES.includes(s);
