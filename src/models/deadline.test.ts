import { describe, expect, it } from "vitest";
import { runWithDeadline } from "./deadline.js";

describe("runWithDeadline", () => {
  it("returns the work's value, or its failure", async () => {
    expect(await runWithDeadline(1_000, undefined, async () => 42)).toEqual({ kind: "done", value: 42 });
    const boom = new Error("boom");
    expect(await runWithDeadline(1_000, undefined, async () => Promise.reject(boom))).toEqual({
      kind: "failed",
      error: boom,
    });
    expect(
      await runWithDeadline(1_000, undefined, () => {
        throw boom;
      }),
    ).toEqual({ kind: "failed", error: boom });
  });

  it("ends on time even when the work ignores its signal, and aborts that signal", async () => {
    let seen: AbortSignal | undefined;
    const outcome = await runWithDeadline(50, undefined, (signal) => {
      seen = signal;
      return new Promise<never>(() => {});
    });
    expect(outcome).toEqual({ kind: "timeout" });
    expect(seen?.aborted).toBe(true);
  });

  it("reports the caller's abort, before or during the work", async () => {
    let started = false;
    const before = await runWithDeadline(1_000, AbortSignal.abort(), async () => {
      started = true;
    });
    expect(before).toEqual({ kind: "aborted" });
    expect(started).toBe(false);
    const controller = new AbortController();
    const during = runWithDeadline(10_000, controller.signal, () => new Promise<never>(() => {}));
    controller.abort();
    expect(await during).toEqual({ kind: "aborted" });
  });
});
