// The `agent` section: defaults are the figures the runtime had as constants, bad values fail the load with the file,
// line and key, and nothing accepts a limit that could never hold.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/index.js";
import { WardenError } from "../errors.js";
import { DEFAULT_SUBAGENT_LIMITS } from "./index.js";

function problems(text: string) {
  try {
    parseConfig(text, "/home/me/warden.yaml");
  } catch (e) {
    expect(e).toBeInstanceOf(WardenError);
    return { message: (e as WardenError).message, list: (e as WardenError).details.data?.problems };
  }
  throw new Error("expected the config to be refused");
}

describe("agent config", () => {
  it("defaults to the limits the runtime always had", () => {
    const a = parseConfig("", "warden.yaml").agent;
    expect(a).toEqual({
      maxConcurrentTasks: 4,
      maxConcurrentPerSender: 2,
      maxToolCallsPerTurn: 8,
      budget: {},
      subagents: { maxDepth: 2, maxChildren: 4, budget: { steps: 20, wallMs: 600_000 } },
    });
    expect(a.subagents.budget).toEqual(DEFAULT_SUBAGENT_LIMITS.defaultBudget);
    expect(a.subagents.maxDepth).toBe(DEFAULT_SUBAGENT_LIMITS.maxDepth);
    expect(a.subagents.maxChildren).toBe(DEFAULT_SUBAGENT_LIMITS.maxChildren);
  });

  it("takes every figure, and fills the rest", () => {
    const a = parseConfig(
      "agent:\n  maxConcurrentTasks: 1\n  maxConcurrentPerSender: 1\n  budget: { steps: 50, wallMs: 60000 }\n  subagents:\n    maxDepth: 0\n    budget: { steps: 5 }\n",
      "warden.yaml",
    ).agent;
    expect(a).toMatchObject({
      maxConcurrentTasks: 1,
      maxConcurrentPerSender: 1,
      budget: { steps: 50, wallMs: 60_000 },
      subagents: { maxDepth: 0, maxChildren: 4, budget: { steps: 5, wallMs: 600_000 } },
    });
  });

  it("refuses bad values with the file, the line and the key", () => {
    const zero = problems("agent:\n  maxConcurrentTasks: 0\n");
    expect(zero.message).toMatch(/warden\.yaml:2:\d+: agent\.maxConcurrentTasks: /);
    expect(problems("agent:\n  maxConcurrentTasks: 2.5\n").message).toContain("agent.maxConcurrentTasks");
    expect(problems("agent:\n  subagents:\n    maxDepht: 3\n").message).toMatch(/warden\.yaml:3:\d+: .*maxDepht/);
    expect(problems("agent:\n  budget: { steps: -1 }\n").message).toContain("agent.budget.steps");
    expect(problems("agent:\n  subagents:\n    budget: { tokens: 5 }\n").message).toContain("tokens");
  });

  it("refuses a per-sender limit above the overall one: it could never be reached", () => {
    const p = problems("agent:\n  maxConcurrentTasks: 2\n  maxConcurrentPerSender: 3\n");
    expect(p.message).toMatch(/agent\.maxConcurrentPerSender: 3 is more than maxConcurrentTasks \(2\)/);
  });
});
