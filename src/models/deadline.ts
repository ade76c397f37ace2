// Runs one piece of async work under a deadline and the caller's AbortSignal, and always returns: the work gets a
// signal to stop, and the race ends even when the work ignores that signal (never hang on a server or a library).
// Never throws: the outcome says which of done / failed / timeout / aborted happened.

export type DeadlineOutcome<T> =
  | { kind: "done"; value: T }
  | { kind: "failed"; error: unknown }
  | { kind: "timeout" }
  | { kind: "aborted" };

export async function runWithDeadline<T>(
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<DeadlineOutcome<T>> {
  if (callerSignal?.aborted) return { kind: "aborted" };
  const controller = new AbortController();
  let stopped: "timeout" | "aborted" | undefined;
  let wake: () => void = () => {};
  const stoppedPromise = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const stop = (why: "timeout" | "aborted") => {
    if (stopped) return;
    stopped = why;
    controller.abort();
    wake();
  };
  const timer = setTimeout(() => stop("timeout"), timeoutMs);
  const onAbort = () => stop("aborted");
  callerSignal?.addEventListener("abort", onAbort, { once: true });
  try {
    const running = Promise.resolve()
      .then(() => work(controller.signal))
      .then(
        (value): DeadlineOutcome<T> => ({ kind: "done", value }),
        (error: unknown): DeadlineOutcome<T> => ({ kind: "failed", error }),
      );
    const first = await Promise.race([running, stoppedPromise.then(() => undefined)]);
    // a stop that came first wins even when the work then failed because of it
    if (stopped) return { kind: stopped };
    return first ?? { kind: "failed", error: new Error("unreachable: race ended without an outcome") };
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener("abort", onAbort);
  }
}
