// sandboxExec (the CLI entry): exit codes, streaming, profiles, and failing closed, against bwrap and the fake.
import { chmod, chown, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { BwrapSandbox } from "./bwrap.js";
import { profileLimits, resolveProfile, sandboxConfigSchema } from "./config.js";
import { sandboxExec } from "./exec.js";
import { FakeSandbox } from "./sandbox.fake.js";

const config = sandboxConfigSchema.parse({ profiles: { default: {}, quick: { timeoutSec: 0.3 } } });
const limits = profileLimits(resolveProfile(config)!);

function sink() {
  const chunks: string[] = [];
  return { write: (c: Uint8Array | string) => chunks.push(Buffer.from(c).toString()), text: () => chunks.join("") };
}

describe("sandboxExec", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const bwrap = new BwrapSandbox({ defaultLimits: limits });
  beforeAll(async () => {
    dir = await tempDir();
    await chmod(dir.path, 0o755);
    if (process.getuid?.() === 0) await chown(dir.path, 65534, 65534);
  });
  afterAll(async () => {
    await bwrap.close();
    await dir[Symbol.asyncDispose]();
  });

  it("streams the child's output and returns its exit code (bwrap)", async () => {
    const out = sink();
    const err = sink();
    const code = await sandboxExec(bwrap, config, {
      argv: ["sh", "-c", "echo out; echo err >&2; exit 7"],
      cwd: dir.path,
      stdout: out,
      stderr: err,
    });
    expect(code).toBe(7);
    expect(out.text()).toBe("out\n");
    expect(err.text()).toBe("err\n");
  });

  it("runs in the caller's folder when it is inside the workspace", async () => {
    const sub = join(dir.path, "sub");
    await mkdir(sub, { recursive: true });
    const out = sink();
    const code = await sandboxExec(bwrap, config, {
      argv: ["pwd"],
      workspace: dir.path,
      cwd: sub,
      stdout: out,
      stderr: sink(),
    });
    expect(code).toBe(0);
    expect(out.text()).toBe(`${sub}\n`);
  });

  it("returns 124 on timeout (--timeout)", async () => {
    const err = sink();
    const code = await sandboxExec(bwrap, config, {
      argv: ["sleep", "30"],
      cwd: dir.path,
      timeoutSec: 0.3,
      stdout: sink(),
      stderr: err,
    });
    expect(code).toBe(124);
    expect(err.text()).toContain("timed out");
  });

  it("uses the named profile's limits (--profile)", async () => {
    const fake = new FakeSandbox(limits);
    const code = await sandboxExec(fake, config, {
      argv: ["sleep", "30"],
      profile: "quick",
      cwd: dir.path,
      stdout: sink(),
      stderr: sink(),
    });
    expect(code).toBe(124);
    expect(fake.calls[0]?.spec.limits?.timeoutMs).toBe(300);
  });

  it("returns 1 with a message and a fix when the sandbox cannot run", async () => {
    const err = sink();
    const code = await sandboxExec(bwrap, config, {
      argv: ["true"],
      workspace: join(dir.path, "missing"),
      cwd: dir.path,
      stdout: sink(),
      stderr: err,
    });
    expect(code).toBe(1);
    expect(err.text()).toMatch(/^warden: .*\nfix: /);
  });

  it("returns 1 when --net proxy has no egress proxy, and never runs the command", async () => {
    const fake = new FakeSandbox(limits);
    const code = await sandboxExec(fake, config, {
      argv: ["true"],
      net: "proxy",
      cwd: dir.path,
      stdout: sink(),
      stderr: sink(),
    });
    expect(code).toBe(1);
    expect(fake.calls).toHaveLength(0);
  });

  it("returns 2 for an unknown profile or no command", async () => {
    const fake = new FakeSandbox(limits);
    const io = { cwd: dir.path, stdout: sink(), stderr: sink() };
    expect(await sandboxExec(fake, config, { ...io, argv: ["true"], profile: "nope" })).toBe(2);
    expect(await sandboxExec(fake, config, { ...io, argv: [] })).toBe(2);
  });

  it("fails closed when bubblewrap is missing", async () => {
    const missing = new BwrapSandbox({ defaultLimits: limits, bwrapPath: "/nonexistent/bwrap" });
    const err = sink();
    const code = await sandboxExec(missing, config, { argv: ["true"], cwd: dir.path, stdout: sink(), stderr: err });
    expect(code).toBe(1);
    expect(err.text()).toContain("apt-get install bubblewrap");
  });
});
