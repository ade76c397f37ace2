import { readFileSync } from "node:fs";
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
});
