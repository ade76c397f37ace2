import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { createLogger } from "./logger.js";
import { ValueRedactor } from "./redactor.js";

describe("ValueRedactor", () => {
  it("replaces every registered value, longest first", () => {
    const r = new ValueRedactor();
    r.add("SHORT", "abcd");
    r.add("LONG", "abcd-efgh-1234");
    expect(r.redact("x abcd-efgh-1234 y abcd z")).toBe("x [secret:LONG] y [secret:SHORT] z");
  });

  it("treats regex characters in secrets literally and ignores tiny values", () => {
    const r = new ValueRedactor();
    r.add("RX", "a.b*c(d)");
    r.add("TINY", "ab");
    expect(r.redact("a.b*c(d) aXbbbc ab")).toBe("[secret:RX] aXbbbc ab");
  });
});

describe("createLogger", () => {
  it("writes JSON lines with the secret values redacted", async () => {
    await using dir = await tempDir();
    const file = join(dir.path, "logs", "daemon.log");
    const redactor = new ValueRedactor();
    const log = createLogger({ level: "info", redactor, destination: file });
    redactor.add("API_TOKEN", "tok-123456789");
    log.info({ header: "Bearer tok-123456789" }, "calling with tok-123456789");
    log.debug("not written at info level");
    const lines = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0].msg).toBe("calling with [secret:API_TOKEN]");
    expect(lines[0].header).toBe("Bearer [secret:API_TOKEN]");
    expect(JSON.stringify(lines)).not.toContain("tok-123456789");
  });

  const linesOf = (file: string) =>
    readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it("writes level, time, pid, the fields and msg in the usual shape, to a 0600 file it appends to", async () => {
    await using dir = await tempDir();
    const file = join(dir.path, "logs", "daemon.log");
    const first = createLogger({ level: "debug", redactor: new ValueRedactor(), destination: file });
    first.info("started");
    first.close();
    const log = createLogger({ level: "debug", redactor: new ValueRedactor(), destination: file });
    log.debug({ n: 1, big: 2n, when: new Date(0), nested: { a: [1, "x"] } }, "details");
    log.child({ domain: "mcp" }).warn({ server: "files" }, "slow");
    log.error({ gone: undefined }, 'quote " and\nnewline');
    log.trace("below the level");
    log.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const lines = linesOf(file);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [30, "started"],
      [20, "details"],
      [40, "slow"],
      [50, 'quote " and\nnewline'],
    ]);
    expect(Object.keys(lines[1]!)).toEqual(["level", "time", "pid", "n", "big", "when", "nested", "msg"]);
    expect(lines[1]).toMatchObject({
      pid: process.pid,
      big: "2",
      when: "1970-01-01T00:00:00.000Z",
      nested: { a: [1, "x"] },
    });
    expect(Date.parse(lines[1]!.time as string)).not.toBeNaN();
    expect(lines[2]).toMatchObject({ domain: "mcp", server: "files" });
    expect(lines[3]).not.toHaveProperty("gone");
  });

  it("writes errors with type, message, code, stack and cause, and cuts cycles instead of failing", async () => {
    await using dir = await tempDir();
    const file = join(dir.path, "daemon.log");
    const log = createLogger({ level: "info", redactor: new ValueRedactor(), destination: file });
    const cause = Object.assign(new Error("disk full"), { code: "ENOSPC" });
    const err = new TypeError("write failed", { cause });
    (cause as { cause?: unknown }).cause = err; // a cycle through causes
    const loop: Record<string, unknown> = { name: "loop" };
    loop.self = loop;
    const shared = { k: 1 };
    log.error({ err, loop, pair: [shared, shared] }, "boom");
    log.close();
    const [line] = linesOf(file);
    expect(line!.err).toMatchObject({
      type: "TypeError",
      message: "write failed",
      cause: { type: "Error", message: "disk full", code: "ENOSPC", cause: "[Circular]" },
    });
    expect(String((line!.err as { stack: string }).stack)).toContain("write failed");
    expect(line!.loop).toEqual({ name: "loop", self: "[Circular]" });
    expect(line!.pair).toEqual([{ k: 1 }, { k: 1 }]);
  });

  it("writes nothing at all when silent", async () => {
    await using dir = await tempDir();
    const file = join(dir.path, "daemon.log");
    const log = createLogger({ level: "silent", redactor: new ValueRedactor(), destination: file });
    log.fatal("not even this");
    log.close();
    expect(readFileSync(file, "utf8")).toBe("");
  });
});
