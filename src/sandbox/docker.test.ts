// The docker backend: its `docker run` argument list and empty-root image checked as data (always), then its
// containment probed in real containers through the real docker CLI, against a Docker engine or a podman service
// started for the run (docker.fixture.ts); skipped with the reason printed when no engine answers.
import { execFileSync, spawnSync } from "node:child_process";
import { chmod, chown, mkdir, writeFile } from "node:fs/promises";
import http from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { CONTAINER_LABEL, hostRootEntries, unmountablePath } from "./container.js";
import { type DockerEngine, dockerEngine } from "./docker.fixture.js";
import { DockerSandbox } from "./docker.js";
import { type DockerPrepared, dockerRunArgs, rootImage } from "./docker-args.js";
import type { PlannedPaths } from "./plan.js";
import { DEFAULT_PROFILE, profileLimits } from "./profiles.js";
import { emptyRootTar } from "./rootfs-tar.js";
import type { CommandSpec, Limits, RunResult } from "./types.js";

const limits: Limits = { ...profileLimits(DEFAULT_PROFILE), timeoutMs: 30_000 };

const prep: DockerPrepared = {
  runtimeDir: "/rt",
  image: "warden-sandbox-root:abc",
  etcDir: "/rt/etc",
  etcBinds: ["alternatives"],
  rootDirs: [],
  runDir: "/rt/run",
  sysDir: "/rt/sys",
  emptyDir: "/rt/empty",
  configDir: "/rt/docker-config",
  user: { uid: 65534, gid: 65534 },
};
const planned: PlannedPaths = {
  workspace: "/ws",
  cwd: "/ws/sub",
  readOnlyInWorkspace: ["/ws/.bashrc"],
  pinnedInWorkspace: ["/ws/.git"],
  absentSensitive: [],
  grants: [
    { path: "/opt/sdk", write: false },
    { path: "/data", write: true },
  ],
};

describe("dockerRunArgs", () => {
  const args = dockerRunArgs(prep, {
    name: "warden-x",
    instance: "i1",
    limits,
    paths: planned,
    envFile: "/rt/warden-x.env",
    argv: ["ls", "-la"],
    token: "<tok>",
    stdin: false,
    global: ["--config", "/rt/docker-config"],
  });
  const pairs = (flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));

  it("builds the profile from docker's options: no network, read-only root, no capabilities, no_new_privs", () => {
    expect(args.slice(0, 3)).toEqual(["--config", "/rt/docker-config", "run"]);
    expect(pairs("--network")).toEqual(["none"]);
    expect(args).toContain("--read-only");
    expect(pairs("--cap-drop")).toEqual(["all"]);
    expect(pairs("--security-opt")).toEqual(["no-new-privileges"]);
    expect(pairs("--user")).toEqual(["65534:65534"]);
    expect(pairs("--pull")).toEqual(["never"]);
    expect(pairs("--label")).toEqual([`${CONTAINER_LABEL}=i1`]);
    expect(pairs("--log-driver")).toEqual(["none"]);
    expect(args).not.toContain("--privileged");
    expect(args).not.toContain("--rm"); // removed by name after every outcome instead
  });

  it("mounts read-write only the workspace, its pinned folders and write grants; everything else read-only", () => {
    const volumes = pairs("--volume") as string[];
    const rw = volumes.filter((v) => v.endsWith(":rw")).map((v) => v.split(":")[0]);
    expect(rw.sort()).toEqual(["/data", "/ws", "/ws/.git"]);
    for (const v of volumes) expect(v).toMatch(/:(ro|rw)$/);
    expect(volumes).toContain("/ws/.bashrc:/ws/.bashrc:ro");
    expect(volumes).toContain("/opt/sdk:/opt/sdk:ro");
    expect(volumes).toContain("/rt/etc:/etc:ro");
    expect(volumes).toContain("/rt/etc/passwd:/etc/passwd:ro");
    expect(volumes).toContain("/rt/etc/hosts:/etc/hosts:ro");
    expect(volumes).toContain("/rt/run:/run:ro");
    expect(volumes).toContain("/rt/sys:/sys:ro");
    expect(pairs("--tmpfs")).toEqual([`/tmp:rw,nosuid,nodev,size=${limits.tmpBytes},mode=1777`]);
    expect(pairs("--workdir")).toEqual(["/ws/sub"]);
  });

  it("keeps the environment in the env file and runs the command behind the limits helper and its seccomp", () => {
    expect(pairs("--env-file")).toEqual(["/rt/warden-x.env"]);
    expect(args.some((a) => /^(-e|--env)$/.test(a))).toBe(false);
    const image = args.indexOf("warden-sandbox-root:abc");
    const inner = args.slice(image + 1);
    expect(inner.slice(0, 2)).toEqual(["/run/warden/limits", "--seccomp=/run/warden/seccomp.bpf"]);
    expect(inner).toContain(`--nproc=${limits.processes}`);
    expect(inner.slice(inner.indexOf("--") + 1)).toEqual([
      "/bin/sh",
      "-c",
      'printf %s "$1" >&2; shift; exec "$@"',
      "sh",
      "<tok>",
      "ls",
      "-la",
    ]);
    expect(pairs("--memory")).toEqual([String(limits.memoryBytes)]);
    expect(pairs("--pids-limit")).toEqual([String(limits.processes)]);
  });

  it("with --net proxy mounts the egress socket and runs the bridge behind the helper, before the command", () => {
    const withProxy = dockerRunArgs(prep, {
      name: "n",
      instance: "i",
      limits,
      paths: planned,
      envFile: "/rt/e.env",
      argv: ["curl", "x"],
      token: "<t>",
      stdin: false,
      global: [],
      proxy: {
        socket: "/h/egress.sock",
        caBundle: "/h/ca.pem",
        nodePath: "/opt/node/bin/node",
        nodeDir: "/opt/node/bin",
      },
    });
    expect(withProxy).toContain("/h/egress.sock:/run/warden/egress.sock:rw");
    expect(withProxy).toContain("/h/ca.pem:/run/warden/ca.pem:ro");
    expect(withProxy).toContain("/opt/node/bin:/opt/node/bin:ro");
    const inner = withProxy.slice(withProxy.indexOf("warden-sandbox-root:abc") + 1);
    expect(inner.slice(0, 2)).toEqual(["/run/warden/limits", "--seccomp=/run/warden/seccomp.bpf"]);
    const bridge = inner.slice(inner.indexOf("--") + 1);
    expect(bridge.slice(0, 2)).toEqual(["/opt/node/bin/node", "-e"]);
    expect(bridge.slice(3, 5)).toEqual(["3128", "/run/warden/egress.sock"]);
    expect(bridge.slice(-3)).toEqual(["<t>", "curl", "x"]);
  });

  it("refuses mount paths that -v cannot carry", () => {
    expect(unmountablePath({ ...planned, workspace: "/a:b" }, "docker")?.code).toBe("SANDBOX_UNAVAILABLE");
    expect(unmountablePath({ ...planned, grants: [{ path: "/x,y", write: false }] }, "docker")).toBeDefined();
    expect(unmountablePath(planned, "docker")).toBeUndefined();
  });
});

describe("emptyRootTar", () => {
  it("is a valid archive of the mount-point folders and the host's root links, with no files", () => {
    const tar = emptyRootTar([
      { name: "bin", symlink: "usr/bin" },
      { name: "lib64", dir: true },
    ]);
    const listing = execFileSync("tar", ["-tvf", "-"], { input: tar, encoding: "utf8" });
    expect(listing).toMatch(/^lrwxrwxrwx root\/root +0 .* bin -> usr\/bin$/m);
    expect(listing).toMatch(/^drwxr-xr-x root\/root +0 .* lib64\/$/m);
    for (const d of ["usr", "etc", "proc", "run", "sys", "tmp", "var/tmp"]) expect(listing).toContain(` ${d}/`);
    expect(listing).not.toMatch(/^-/m);
    expect(emptyRootTar([])).toEqual(emptyRootTar([])); // same bytes every time: same image name
  });
});

const found = await dockerEngine();
const live: DockerEngine | undefined = "skip" in found ? undefined : found;
if ("skip" in found) console.log(`docker backend probes skipped: ${found.skip}`);
afterAll(() => live?.stop(), 30_000); // file level: runs even when a filter skips the containment suite

describe.skipIf(!live)("docker backend containment (real docker CLI)", () => {
  let sandbox: DockerSandbox;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let ws: string;
  let umask: number;
  const SECRET = "docker-host-secret-31c9";
  const sh = async (script: string, extra: Partial<CommandSpec> = {}): Promise<RunResult> => {
    const r = await sandbox.run({ argv: ["/bin/sh", "-c", script], workspace: ws, ...extra });
    if (!r.ok) throw r.error;
    return r.value;
  };
  const ours = () =>
    spawnSync(
      live?.enginePath ?? "docker",
      [...(live?.host ? ["--host", live.host] : []), "ps", "-aq", "--filter", `label=${CONTAINER_LABEL}`],
      { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } },
    ).stdout.trim();

  beforeAll(async () => {
    umask = process.umask(0o077); // as src/main.ts sets it
    dir = await tempDir();
    await chmod(dir.path, 0o755);
    ws = join(dir.path, "ws");
    await mkdir(ws);
    await chmod(ws, 0o755);
    if (process.getuid?.() === 0) await chown(ws, 65534, 65534);
    await writeFile(join(dir.path, "outside.txt"), `${SECRET}\n`);
    await writeFile(join(ws, ".bashrc"), "# rc\n");
    sandbox = new DockerSandbox({
      defaultLimits: limits,
      forbiddenPaths: [join(dir.path, "home")],
      ...(live?.enginePath ? { enginePath: live.enginePath } : {}),
      ...(live?.host ? { host: live.host } : {}),
    });
  }, 60_000);
  afterAll(async () => {
    process.umask(umask);
    await sandbox?.close();
    await dir?.[Symbol.asyncDispose]();
  }, 60_000);

  it("proves itself with a contained true (doctor's probe)", async () => {
    const r = await sandbox.probe();
    expect(r.ok && r.value.backend).toBe("docker");
  }, 60_000);

  it("runs the command with its own exit code and output; the start marker never shows", async () => {
    const r = await sh("echo out; echo err >&2; exit 7");
    expect(r.exitCode).toBe(7);
    expect(r.stdout).toBe("out\n");
    expect(r.stderr).toBe("err\n");
    const missing = await sandbox.run({ argv: ["no-such-command-z"], workspace: ws });
    expect(missing.ok && missing.value.exitCode).toBe(127);
  }, 60_000);

  it("delivers all of a large output before the run settles", async () => {
    const r = await sh("head -c 3000000 /dev/zero | tr '\\0' a; echo; echo done >&2", {
      limits: { outputBytes: 8 * 1024 * 1024 },
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.length).toBe(3_000_001);
    expect(r.stderr).toBe("done\n");
  }, 60_000);

  it("drops every capability, sets no_new_privs and Warden's seccomp filter (nested namespaces refused)", async () => {
    const r = await sh("grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status; unshare -U true; echo $?");
    expect(r.stdout).toMatch(/^CapEff:\s+0+$/m);
    expect(r.stdout).toMatch(/^CapBnd:\s+0+$/m);
    expect(r.stdout).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(r.stdout).toMatch(/^Seccomp:\s+2$/m);
    expect(r.stdout.trim().split("\n").at(-1)).not.toBe("0");
    expect(r.stderr).toMatch(/Operation not permitted/);
  }, 60_000);

  it("shows a read-only root, a synthetic /etc and no host files; the workspace is the writable place", async () => {
    const r = await sh(
      `touch /x 2>/dev/null && echo ROOTW; touch /var/tmp/x 2>/dev/null && echo VARTMPW; ls /etc/shadow 2>/dev/null && echo SHADOW; cat ${join(dir.path, "outside.txt")} 2>/dev/null; echo hi > ./made && cat made; echo x >> .bashrc 2>/dev/null && echo RCW; cat /etc/passwd; ls /sys`,
    );
    expect(r.stdout).not.toMatch(/ROOTW|VARTMPW|SHADOW|RCW/);
    expect(r.stdout).not.toContain(SECRET);
    expect(r.stdout).toContain("hi\n");
    expect(r.stdout).toContain("sandbox:x:");
    expect(r.stdout).not.toMatch(/container user/); // the engine added no passwd entry of its own
  }, 60_000);

  it("has no network but loopback", async () => {
    const r = await sh("cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '");
    expect(r.stdout.trim()).toBe("lo");
  }, 60_000);

  it("refuses a workspace inside Warden's home", async () => {
    const home = join(dir.path, "home");
    await mkdir(home, { recursive: true });
    const r = await sandbox.run({ argv: ["true"], workspace: home });
    expect(!r.ok && r.error.code).toBe("SANDBOX_UNAVAILABLE");
  });

  it("kills the container at the timeout and leaves no container behind", async () => {
    const r = await sh("sleep 60", { limits: { timeoutMs: 1500 } });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(ours()).toBe("");
  }, 60_000);

  it("removes, at start, containers left by a Warden that no longer runs (killed with SIGKILL)", async () => {
    const { image } = rootImage(await hostRootEntries());
    const cli = (args: string[]) =>
      spawnSync(live?.enginePath ?? "docker", [...(live?.host ? ["--host", live.host] : []), ...args], {
        encoding: "utf8",
        env: { PATH: "/usr/bin:/bin" },
      });
    // pid 2^22+1 is above the kernel's pid_max: no process has it. A live pid's container is kept.
    const dead = cli([
      "create",
      "--name",
      "warden-stale-a",
      "--label",
      `${CONTAINER_LABEL}=4194305:x`,
      image,
      "/bin/true",
    ]);
    const live2 = cli([
      "create",
      "--name",
      "warden-stale-b",
      "--label",
      `${CONTAINER_LABEL}=${process.pid}:y`,
      image,
      "/bin/true",
    ]);
    expect([dead.status, live2.status]).toEqual([0, 0]);
    const fresh = new DockerSandbox({
      defaultLimits: limits,
      ...(live?.enginePath ? { enginePath: live.enginePath } : {}),
      ...(live?.host ? { host: live.host } : {}),
    });
    try {
      expect((await fresh.probe()).ok).toBe(true);
      const names = cli(["ps", "-a", "--format", "{{.Names}}"]).stdout;
      expect(names).not.toContain("warden-stale-a");
      expect(names).toContain("warden-stale-b");
    } finally {
      cli(["rm", "--force", "warden-stale-b"]);
      await fresh.close();
    }
  }, 60_000);

  it("--net proxy: the bridge (under the same seccomp) forwards to the egress socket; no other route out", async () => {
    const socketPath = join(dir.path, "egress.sock");
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers["proxy-authorization"] ?? ""}`);
      res.end("via proxy\n");
    });
    await new Promise<void>((r) => server.listen(socketPath, r));
    await chmod(socketPath, 0o666); // the sandbox uid must be able to connect
    try {
      const net = { mode: "proxy" as const, socketPath, token: "tok3n" };
      const bash = async (script: string) => {
        const r = await sandbox.run({ argv: ["bash", "-c", script], workspace: ws, net });
        if (!r.ok) throw r.error;
        return r.value;
      };
      const raw = await bash(
        'exec 3<>/dev/tcp/127.0.0.1/3128; printf "GET http://example.test/raw HTTP/1.0\\r\\n\\r\\n" >&3; cat <&3; grep Seccomp: /proc/$PPID/status; echo "$HTTP_PROXY"',
      );
      expect(raw.stdout).toContain("via proxy");
      expect(raw.stdout).toMatch(/^Seccomp:\s+2$/m); // the bridge, the command's parent, is filtered too
      expect(raw.stdout).toContain("http://warden:tok3n@127.0.0.1:3128");
      expect(seen).toContain("GET http://example.test/raw ");
      const direct = await bash("exec 3<>/dev/tcp/1.1.1.1/80 && echo CONNECTED");
      expect(direct.stdout).not.toContain("CONNECTED");
      const missing = await sandbox.run({
        argv: ["true"],
        workspace: ws,
        net: { mode: "proxy", socketPath: join(dir.path, "nope.sock") },
      });
      expect(!missing.ok && missing.error.code).toBe("SANDBOX_UNAVAILABLE");
    } finally {
      server.close();
    }
  }, 60_000);

  it("applies the profile's limits inside (rlimits from the helper)", async () => {
    const r = await sh("cat /proc/self/limits", { limits: { openFiles: 77, processes: 99 } });
    expect(r.stdout).toMatch(/^Max open files\s+77\s+77\s/m);
    expect(r.stdout).toMatch(/^Max processes\s+99\s+99\s/m);
    expect(r.stdout).toMatch(/^Max core file size\s+0\s+0\s/m);
  }, 60_000);
});
