// `warden secrets set | list | rm` and the daemon's redaction of stored values, end to end: a secret value that
// reaches a log line or an audit event (here: inside a URL a stranger requests) is replaced by [secret:NAME].
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, runWarden } from "../support/cli.js";
import { tempDir } from "../support/tmp.js";

beforeAll(assertBuilt);

const VALUE = "wdn-test-value-7d1c5a9e3b";

describe("warden secrets", () => {
  it("stores values from stdin, never prints them, and the daemon redacts them everywhere", async () => {
    await using dir = await tempDir();
    const home = join(dir.path, "home");
    await runWarden(["init"], home);
    writeFileSync(join(home, "warden.yaml"), "gateway:\n  port: 0\n");

    const set = await runWarden(["secrets", "set", "API_TOKEN"], home, { input: `${VALUE}\n` });
    expect(set.code).toBe(0);
    expect(set.stdout + set.stderr).not.toContain(VALUE);
    expect(readFileSync(join(home, "secrets.enc"), "utf8")).not.toContain(VALUE);

    const list = await runWarden(["secrets", "list", "--json"], home);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: "API_TOKEN", bindings: [] })]);
    expect(list.stdout).not.toContain(VALUE);

    expect((await runWarden(["secrets", "set", "bad name"], home, { input: "x" })).code).toBe(2);
    expect((await runWarden(["secrets", "set", "EMPTY"], home, { input: "" })).code).toBe(2);
    expect((await runWarden(["secrets", "rm", "NOPE"], home)).code).toBe(1);

    expect((await runWarden(["start"], home)).code).toBe(0);
    // A second secret stored while the daemon runs is learned at once.
    const later = "wdn-later-value-0a9f8e7d6c";
    expect((await runWarden(["secrets", "set", "LATER"], home, { input: later })).code).toBe(0);

    const { url } = JSON.parse(readFileSync(join(home, "run", "warden.pid"), "utf8"));
    for (const v of [VALUE, later, Buffer.from(VALUE).toString("base64")]) {
      expect((await fetch(`${url}/v1/${encodeURIComponent(v)}`)).status).toBe(401);
    }
    const log = readFileSync(join(home, "logs", "daemon.log"), "utf8");
    const audit = (await runWarden(["audit", "export"], home)).stdout;
    for (const text of [log, audit]) {
      expect(text).toContain("[secret:API_TOKEN]");
      expect(text).toContain("[secret:LATER]");
      expect(text).not.toContain(VALUE);
      expect(text).not.toContain(later);
      expect(text).not.toContain(Buffer.from(VALUE).toString("base64"));
    }

    expect((await runWarden(["secrets", "rm", "LATER"], home)).code).toBe(0);
    expect(JSON.parse((await runWarden(["secrets", "list", "--json"], home)).stdout)).toHaveLength(1);
  });
});
