// One contract suite, run against every Sandbox implementation available here: the fake, bwrap, none, podman when
// the host has a podman that can start a container, and docker when a Docker-compatible engine answers the docker
// CLI (docker.fixture.ts; otherwise skipped, with the reason printed).
import { chmod, chown } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { BwrapSandbox } from "./bwrap.js";
import { DEFAULT_PROFILE, profileLimits } from "./config.js";
import { dockerEngine } from "./docker.fixture.js";
import { DockerSandbox } from "./docker.js";
import { NoneSandbox } from "./none.js";
import { PodmanSandbox } from "./podman.js";
import { FakeSandbox } from "./sandbox.fake.js";
import type { Limits, Sandbox } from "./types.js";

const limits: Limits = { ...profileLimits(DEFAULT_PROFILE), timeoutMs: 20_000 };

/**
 * The podman setup that starts a container here: podman's default OCI runtime, else runc (crun refuses hosts with
 * hybrid cgroups). Undefined, with the reason printed, when podman is absent or no runtime works.
 */
async function usablePodman(): Promise<{ ociRuntime?: string } | undefined> {
  const reasons: string[] = [];
  for (const ociRuntime of [undefined, "runc"]) {
    const sb = new PodmanSandbox({ defaultLimits: limits, ...(ociRuntime ? { ociRuntime } : {}) });
    try {
      const r = await sb.probe();
      if (r.ok) return ociRuntime ? { ociRuntime } : {};
      reasons.push(`${ociRuntime ?? "default runtime"}: ${r.error.message}`);
    } finally {
      await sb.close();
    }
  }
  console.log(`podman contract suite skipped: ${reasons.join("; ")}`);
  return undefined;
}
const podman = await usablePodman();
const docker = await dockerEngine();
if ("skip" in docker) console.log(`docker contract suite skipped: ${docker.skip}`);
else afterAll(() => docker.stop(), 30_000);

const backends: [string, () => Sandbox & { close?(): Promise<void> }][] = [
  ["fake", () => new FakeSandbox(limits)],
  ["bwrap", () => new BwrapSandbox({ defaultLimits: limits })],
  ["none", () => new NoneSandbox({ defaultLimits: limits })],
  ...(podman
    ? [["podman", () => new PodmanSandbox({ defaultLimits: limits, ...podman })] as [string, () => Sandbox]]
    : []),
  ...("skip" in docker
    ? []
    : [
        [
          "docker",
          () =>
            new DockerSandbox({
              defaultLimits: limits,
              enginePath: docker.enginePath,
              ...(docker.host ? { host: docker.host } : {}),
            }),
        ] as [string, () => Sandbox],
      ]),
];

describe.each(backends)("Sandbox contract: %s", (_name, make) => {
  let sandbox: Sandbox & { close?(): Promise<void> };
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let ws: string;

  beforeAll(async () => {
    sandbox = make();
    dir = await tempDir();
    ws = dir.path;
    await chmod(ws, 0o755);
    if (process.getuid?.() === 0) await chown(ws, 65534, 65534); // a root daemon runs sandboxes as 65534
  });
  afterAll(async () => {
    await sandbox.close?.();
    await dir[Symbol.asyncDispose]();
  });

  const run = (argv: string[], extra: Partial<Parameters<Sandbox["run"]>[0]> = {}) =>
    sandbox.run({ argv, workspace: ws, ...extra });

  it("probes successfully", async () => {
    const r = await sandbox.probe();
    expect(r.ok).toBe(true);
  });

  it("returns the command's exit code", async () => {
    const t = await run(["true"]);
    const f = await run(["false"]);
    expect(t.ok && t.value.exitCode).toBe(0);
    expect(f.ok && f.value.exitCode).toBe(1);
  });

  it("captures and streams stdout", async () => {
    const seen: Buffer[] = [];
    const r = await run(["echo", "hello", "world"], { onStdout: (c) => seen.push(Buffer.from(c)) });
    expect(r.ok && r.value.stdout).toBe("hello world\n");
    expect(Buffer.concat(seen).toString()).toBe("hello world\n");
  });

  it("feeds stdin", async () => {
    const r = await run(["cat"], { stdin: "from stdin\n" });
    expect(r.ok && r.value.stdout).toBe("from stdin\n");
  });

  it("forwards a stdin stream", async () => {
    const r = await run(["cat"], { stdin: Readable.from([Buffer.from("one "), Buffer.from("two\n")]) });
    expect(r.ok && r.value.stdout).toBe("one two\n");
  });

  it("captures and streams stderr with a failing exit code", async () => {
    const seen: Buffer[] = [];
    const r = await run(["cat", "/nonexistent-file"], { onStderr: (c) => seen.push(Buffer.from(c)) });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.exitCode).toBe(1);
    expect(r.value.stderr).toContain("nonexistent-file");
    expect(Buffer.concat(seen).toString()).toBe(r.value.stderr);
  });

  it("kills the command at the wall timeout", async () => {
    const r = await run(["sleep", "60"], { limits: { timeoutMs: 300 } });
    expect(r.ok && r.value.timedOut).toBe(true);
    expect(r.ok && r.value.exitCode).toBe(null);
    expect(r.ok && r.value.limitsHit).toEqual(["timeout"]);
  });

  it("kills the command when aborted", async () => {
    const ac = new AbortController();
    const p = run(["sleep", "60"], { signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    const r = await p;
    expect(r.ok && r.value.aborted).toBe(true);
    expect(r.ok && r.value.timedOut).toBe(false);
  });

  it("killAll ends every running command", async () => {
    const p = Promise.all([run(["sleep", "60"]), run(["sleep", "60"])]);
    setTimeout(() => void sandbox.killAll(), 150);
    const rs = await p;
    for (const r of rs) expect(r.ok && r.value.exitCode).toBe(null);
  });

  it("caps output and marks the truncation", async () => {
    const r = await run(["head", "-c", "10000", "/dev/zero"], { limits: { outputBytes: 1024 } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.truncated).toBe(true);
    expect(r.value.limitsHit).toEqual(["output"]);
    expect(r.value.stdout.startsWith("\0".repeat(1024))).toBe(true);
    expect(r.value.stdout.slice(1024)).toContain("[warden: output truncated after 1024 bytes]");
  });

  it("refuses an empty command", async () => {
    const r = await run([]);
    expect(!r.ok && r.error.code).toBe("BAD_REQUEST");
  });

  it("fails closed on a missing workspace", async () => {
    const r = await sandbox.run({ argv: ["true"], workspace: join(ws, "missing") });
    expect(!r.ok && r.error.code).toBe("SANDBOX_UNAVAILABLE");
    expect(!r.ok && r.error.details.fix).toBeTruthy();
  });
});
