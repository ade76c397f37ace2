// bench/startup: how fast `warden start --foreground` answers its API, how much memory the idle daemon holds, and
// how much disk the runtime dependencies take. Baseline in the same run: a bare Node.js HTTP server started and
// probed the same way (the floor any Node daemon pays). Prints one JSON object. Needs `npm run build` first.
// Usage: node bench/startup/run.mjs [runs]
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bin = join(root, "bin", "warden.js");
const runs = Number(process.argv[2] ?? 15);

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function waitForAnswer(url, headers) {
  for (let i = 0; i < 20000; i++) {
    try {
      const res = await fetch(url, { headers });
      if (res.status < 500) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error(`${url} never answered`);
}

const rssOf = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) * 1024;
// CPU time (user + system, all threads) a process has used: less sensitive than wall time to other work on the machine.
const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
const cpuMsOf = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
};

/** Start a process, time until `url` answers, optionally sample RSS after idling, then stop it. */
async function measure(args, env, url, headers, idleMs) {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: "ignore" });
  await waitForAnswer(url, headers);
  const ms = performance.now() - t0;
  const cpuMs = cpuMsOf(child.pid);
  let rss;
  if (idleMs) {
    await new Promise((r) => setTimeout(r, idleMs));
    rss = rssOf(child.pid);
  }
  child.kill("SIGTERM");
  await new Promise((r) => child.on("exit", r));
  return { ms, cpuMs, rss };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

const home = mkdtempSync(join(tmpdir(), "warden-bench-"));
try {
  const env = { PATH: process.env.PATH, WARDEN_HOME: home };
  execFileSync(process.execPath, [bin, "init"], { env, stdio: "ignore" });
  const port = await freePort();
  writeFileSync(join(home, "warden.yaml"), `gateway:\n  port: ${port}\nlog:\n  level: warn\n`);
  const token = readFileSync(join(home, "token"), "utf8").trim();
  const wardenUrl = `http://127.0.0.1:${port}/v1/status`;
  const auth = { authorization: `Bearer ${token}` };
  const barePort = await freePort();
  const bareArgs = ["-e", `require("node:http").createServer((q, s) => s.end("ok")).listen(${barePort}, "127.0.0.1")`];
  const bareUrl = `http://127.0.0.1:${barePort}/`;

  const warden = [];
  const bare = [];
  const wardenCpu = [];
  const bareCpu = [];
  // Interleave the two so machine noise hits both alike; the first run of each warms the disk cache.
  for (let i = 0; i <= runs; i++) {
    const w = await measure([bin, "start", "--foreground"], env, wardenUrl, auth, 0);
    const b = await measure(bareArgs, env, bareUrl, {}, 0);
    if (i > 0) {
      warden.push(w.ms);
      bare.push(b.ms);
      wardenCpu.push(w.cpuMs);
      bareCpu.push(b.cpuMs);
    }
  }
  // Idle means steady state: V8 gives its start-up heap back only after some seconds without work (measured: 12-20 s).
  const idle = await measure([bin, "start", "--foreground"], env, wardenUrl, auth, 30_000);
  const bareIdle = await measure(bareArgs, env, bareUrl, {}, 30_000);

  const lines = execFileSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], { cwd: root, encoding: "utf8" })
    .trim()
    .split("\n")
    .filter((p) => p !== root && p.includes("node_modules"));
  const runtimeBytes = lines.length
    ? Number(
        execFileSync("du", ["-sbc", ...lines], { encoding: "utf8" })
          .trim()
          .split("\n")
          .at(-1)
          .split("\t")[0],
      )
    : 0;
  const allBytes = Number(execFileSync("du", ["-sb", join(root, "node_modules")], { encoding: "utf8" }).split("\t")[0]);

  console.log(
    JSON.stringify(
      {
        bench: "startup",
        runs,
        start_to_api_ms: {
          warden_p50: round(median(warden)),
          bare_node_http_p50: round(median(bare)),
          ratio: round(median(warden) / median(bare), 2),
          target_p50: 300,
        },
        cpu_until_api_ms: {
          warden_p50: round(median(wardenCpu)),
          bare_node_http_p50: round(median(bareCpu)),
          ratio: round(median(wardenCpu) / median(bareCpu), 2),
          note: "user+system CPU of the process, all threads, at the first answer; in 10 ms clock ticks",
        },
        idle_rss_mb: { warden: round(idle.rss / 2 ** 20), bare_node_http: round(bareIdle.rss / 2 ** 20), target: 60 },
        runtime_dependencies_mb: {
          installed: round(runtimeBytes / 2 ** 20),
          packages: lines.length,
          all_node_modules_incl_dev: round(allBytes / 2 ** 20),
          target: 60,
        },
        anchor_field_leader: { start_s: 20, idle_rss_mb: 1000 },
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(home, { recursive: true, force: true });
}
