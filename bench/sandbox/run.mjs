// Sandbox latency benchmark: Warden's in-process sandbox (as the daemon calls it) for `true`, against a bare spawn
// of `true` and a bare `bwrap ... true` measured in the same run; 100 sequential and 8-way parallel; and the
// `warden sandbox exec` CLI end to end when it exists. Prints one JSON object. Build first: npm run build.
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BwrapSandbox, DEFAULT_PROFILE, profileLimits } from "../../dist/sandbox/index.js";

const ROOT = process.getuid() === 0;
const SEQ = 100;
const PAR = 8;
const CLI_RUNS = 15;
const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ws = mkdtempSync(join(tmpdir(), "warden-bench-"));
chmodSync(ws, 0o755);
if (ROOT) chownSync(ws, 65534, 65534);
const asUser = ROOT ? { uid: 65534, gid: 65534 } : {};

const BARE_BWRAP = [
  "--unshare-all",
  "--unshare-user",
  "--die-with-parent",
  "--ro-bind",
  "/usr",
  "/usr",
  "--symlink",
  "usr/bin",
  "/bin",
  "--symlink",
  "usr/lib",
  "/lib",
  "--symlink",
  "usr/lib64",
  "/lib64",
  "--proc",
  "/proc",
  "--dev",
  "/dev",
  "--",
  "/usr/bin/true",
];

function exec(file, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const c = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"], env: {}, ...opts });
    let stderr = "";
    c.stdout.resume();
    c.stderr.on("data", (d) => {
      stderr += d;
    });
    c.on("error", reject);
    c.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`${file} ${args.join(" ")} exited ${code}: ${stderr.slice(0, 500)}`)),
    );
  });
}

const q = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
function stats(ms) {
  const s = [...ms].sort((a, b) => a - b);
  const r = (x) => Math.round(x * 100) / 100;
  return { n: s.length, p50: r(q(s, 0.5)), p99: r(q(s, 0.99)), min: r(s[0]), max: r(s[s.length - 1]) };
}

/**
 * CPU time (ms) used by this process and every child it started, from a cgroup of its own (cgroup v2 cpu.stat, or v1
 * cpuacct.usage), or null where no such cgroup can be made (not root, no delegation). On a shared, loaded machine,
 * wall-clock latency mostly measures the queue for a core; the CPU each command costs does not depend on the load,
 * so its ratios stay comparable from run to run.
 */
function cpuMeter() {
  const candidates = [];
  const v2 = /^0::(.*)$/m.exec(readFileSync("/proc/self/cgroup", "utf8"))?.[1];
  if (v2 !== undefined && existsSync("/sys/fs/cgroup/cgroup.controllers"))
    candidates.push({
      dir: join("/sys/fs/cgroup", v2, `warden-bench-${process.pid}`),
      back: join("/sys/fs/cgroup", v2),
    });
  candidates.push({ dir: `/sys/fs/cgroup/cpuacct/warden-bench-${process.pid}`, back: "/sys/fs/cgroup/cpuacct" });
  for (const { dir, back } of candidates) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, "cgroup.procs"), String(process.pid));
      const v1 = existsSync(join(dir, "cpuacct.usage"));
      const usage = () =>
        v1
          ? Number(readFileSync(join(dir, "cpuacct.usage"), "utf8")) / 1e6
          : Number(/usage_usec (\d+)/.exec(readFileSync(join(dir, "cpu.stat"), "utf8"))?.[1]) / 1e3;
      const close = () => {
        writeFileSync(join(back, "cgroup.procs"), String(process.pid));
        rmdirSync(dir);
      };
      return { usage, close, source: v1 ? "cgroup v1 cpuacct" : "cgroup v2 cpu.stat" };
    } catch {
      // not allowed here: try the next kind, else no CPU figures
    }
  }
  return null;
}
const cpu = cpuMeter();

/** Interleaves the contenders call by call, so load from other processes hits all of them alike. */
async function interleaved(fns, n, warm = 5) {
  const names = Object.keys(fns);
  const times = Object.fromEntries(names.map((k) => [k, []]));
  const cpuTimes = Object.fromEntries(names.map((k) => [k, []]));
  for (let i = 0; i < warm + n; i++) {
    const order = i % 2 === 0 ? names : [...names].reverse();
    for (const k of order) {
      const c = cpu?.usage();
      const t = performance.now();
      await fns[k]();
      if (i >= warm) {
        times[k].push(performance.now() - t);
        if (cpu) cpuTimes[k].push(cpu.usage() - c);
      }
    }
  }
  return Object.fromEntries(
    names.map((k) => [k, { ...stats(times[k]), ...(cpu ? { cpuMsP50: stats(cpuTimes[k]).p50 } : {}) }]),
  );
}

async function parallel(fn, total, width) {
  const lat = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < total) {
        next++;
        const t = performance.now();
        await fn();
        lat.push(performance.now() - t);
      }
    }),
  );
  const wall = performance.now() - t0;
  return { ...stats(lat), wallMs: Math.round(wall), perSecond: Math.round((total / wall) * 1000 * 10) / 10 };
}

const sandbox = new BwrapSandbox({ defaultLimits: { ...profileLimits(DEFAULT_PROFILE), timeoutMs: 30_000 } });
const inProcess = async () => {
  const r = await sandbox.run({ argv: ["true"], workspace: ws });
  if (!r.ok || r.value.exitCode !== 0) throw new Error(`sandboxed true failed: ${JSON.stringify(r)}`);
};
const bareSpawn = () => exec("/usr/bin/true", []);
// Warden's full profile (seccomp, rlimits, minimal /etc, ...) spawned bare: splits the profile's own cost from
// the cost of Warden's Node-side code (path checks, streams, status parsing).
const planned = await sandbox.plan({ argv: ["true"], workspace: ws });
if (!planned.ok) throw planned.error;
const fullPlan = planned.value;
const bareBwrapFullProfile = () =>
  new Promise((resolve, reject) => {
    // The same descriptors as Warden: file descriptors for paths, pipes for bytes and bwrap's status.
    const opened = fullPlan.fds.map((fd) =>
      typeof fd === "object" && !Buffer.isBuffer(fd) ? openSync(fd.path) : null,
    );
    const c = spawn(fullPlan.file, fullPlan.args, {
      stdio: ["ignore", "pipe", "pipe", ...opened.map((o) => o ?? "pipe")],
      env: fullPlan.env,
      ...asUser,
    });
    for (const o of opened) if (o !== null) closeSync(o);
    c.stdout.resume();
    c.stderr.resume();
    fullPlan.fds.forEach((fd, i) => {
      if (opened[i] !== null) return;
      const stream = c.stdio[i + 3];
      stream.on("error", () => {});
      if (fd === "status") stream.resume();
      else stream.end(fd);
    });
    c.on("error", reject);
    c.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`bwrap exited ${code}`))));
  });
const bareBwrap = () => exec("/usr/bin/bwrap", BARE_BWRAP, asUser);

const started = performance.now();
const result = { machine: { cores: (await import("node:os")).cpus().length, node: process.version, root: ROOT } };
Object.assign(result, await interleaved({ bareSpawn, bareBwrap, bareBwrapFullProfile, inProcess }, SEQ));
result.bareBwrapParallel8 = await parallel(bareBwrap, SEQ, PAR);
result.inProcessParallel8 = await parallel(inProcess, SEQ, PAR);
result.ratios = {
  inProcessVsBareBwrapP50: Math.round((result.inProcess.p50 / result.bareBwrap.p50) * 100) / 100,
  inProcessOverheadVsBareBwrapP50Ms: Math.round((result.inProcess.p50 - result.bareBwrap.p50) * 100) / 100,
  fullProfileVsBareBwrapP50: Math.round((result.bareBwrapFullProfile.p50 / result.bareBwrap.p50) * 100) / 100,
  inProcessVsFullProfileBwrapP50: Math.round((result.inProcess.p50 / result.bareBwrapFullProfile.p50) * 100) / 100,
  parallel8ThroughputVsBareBwrap:
    Math.round((result.inProcessParallel8.perSecond / result.bareBwrapParallel8.perSecond) * 100) / 100,
  targetInProcessVsBareBwrap: 1.3,
};
if (cpu) {
  const r2 = (x) => Math.round(x * 100) / 100;
  result.machine.cpuSource = cpu.source;
  result.ratios.inProcessVsBareBwrapCpuP50 = r2(result.inProcess.cpuMsP50 / result.bareBwrap.cpuMsP50);
  result.ratios.fullProfileVsBareBwrapCpuP50 = r2(result.bareBwrapFullProfile.cpuMsP50 / result.bareBwrap.cpuMsP50);
}

const cli = join(repo, "bin", "warden.js");
const help = spawnSync(process.execPath, [cli, "sandbox", "exec", "--help"], { encoding: "utf8", timeout: 20_000 });
// commander prints the top-level help (exit 0) for an unknown command: require the subcommand's own option.
if (help.status === 0 && help.stdout.includes("--workspace")) {
  // A throwaway Warden home made by `warden init`, so the CLI reads a real warden.yaml like a user's would.
  const home = join(mkdtempSync(join(tmpdir(), "warden-bench-home-")), "home");
  const cliEnv = { PATH: "/usr/bin:/bin", HOME: ws, WARDEN_HOME: home };
  const init = spawnSync(process.execPath, [cli, "init"], { env: cliEnv, encoding: "utf8", timeout: 30_000 });
  const runCli = () =>
    exec(process.execPath, [cli, "sandbox", "exec", "--workspace", ws, "--", "true"], { env: cliEnv });
  try {
    if (init.status !== 0) throw new Error(`warden init failed: ${init.stderr}`);
    // Same run, same load: the floor of any Node CLI, and Warden's CLI doing nothing, to split the CLI's own cost.
    const nodeStartup = () => exec(process.execPath, ["-e", "0"], { env: cliEnv });
    const cliVersion = () => exec(process.execPath, [cli, "--version"], { env: cliEnv });
    Object.assign(result, {
      cliParts: await interleaved({ nodeStartup, cliVersion, cliSandboxExecTrue: runCli }, CLI_RUNS, 2),
    });
    result.cli = result.cliParts.cliSandboxExecTrue;
    result.ratios.cliVsSandboxRuntimeCli650ms = Math.round((650 / result.cli.p50) * 10) / 10;
    result.ratios.targetCliSpeedup = 4;
    // The CLI is one process on one core at a time: on an idle machine its wall time is close to its CPU time.
    if (cpu) result.ratios.cliCpuVsSandboxRuntimeCli650ms = Math.round((650 / result.cli.cpuMsP50) * 10) / 10;
  } catch (e) {
    result.cli = { error: String(e.message ?? e) };
  } finally {
    rmSync(dirname(home), { recursive: true, force: true });
  }
} else {
  result.cli = { skipped: "`warden sandbox exec` is not wired yet (bin/warden.js sandbox exec --help failed)" };
}
result.anchors = { sandboxRuntimeLibMs: 120, sandboxRuntimeCliMs: "650-850", openShellMs: 56 };
result.totalSeconds = Math.round((performance.now() - started) / 100) / 10;
await sandbox.close();
cpu?.close();
rmSync(ws, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
