// runProcess's stderr marker (the docker backend's "the command is about to run"): dropped and uncounted when
// stderr starts with it, even split across reads; stderr without it passes untouched.
import { describe, expect, it } from "vitest";
import { runProcess } from "./runner.js";

const run = (script: string, outputBytes = 1024) => {
  let marked = 0;
  const streamed: string[] = [];
  const r = runProcess(
    { file: "/bin/sh", args: ["-c", script], env: { PATH: "/usr/bin:/bin" } },
    {
      timeoutMs: 10_000,
      outputBytes,
      stderrMarker: "<mark:1234>",
      onMarker: () => marked++,
      onStderr: (c) => streamed.push(Buffer.from(c).toString()),
    },
  );
  return r.done.then((o) => ({ o, marked, streamed: streamed.join("") }));
};

describe("runProcess stderr marker", () => {
  it("drops the marker, even split across reads, and does not count it against the output cap", async () => {
    const { o, marked, streamed } = await run(
      "printf '<mark:' >&2; sleep 0.1; printf '1234>err' >&2; printf 12345678",
      11,
    );
    expect(o.markerSeen).toBe(true);
    expect(marked).toBe(1);
    expect(o.stderr).toBe("err");
    expect(streamed).toBe("err");
    expect(o.stdout.startsWith("12345678")).toBe(true);
    expect(o.truncated).toBe(false); // 3 + 8 bytes: exactly the cap, the marker uncounted
  });

  it("passes stderr that does not start with the marker untouched", async () => {
    for (const script of ["printf 'error: no engine' >&2", "printf '<mark' >&2", "true"]) {
      const { o, marked } = await run(script);
      expect(o.markerSeen).toBe(false);
      expect(marked).toBe(0);
      expect(o.stderr).toBe(script === "true" ? "" : script.slice(8, -5));
    }
  });
});
