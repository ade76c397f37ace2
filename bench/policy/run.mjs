// Policy engine benchmark: decisions/s and p50/p99 latency at 10..10,000 rules, against Cedar (cedar-wasm) evaluating an
// equivalent policy set in the same run. Imports the compiled engine: build first (npx tsc -p tsconfig.build.json).
// Prints one JSON object. Bounded: every measurement stops at a time budget.

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import { stringify } from "yaml";
import { compilePolicyTexts, createMemoryResolver, createNodeResolver } from "../../dist/policy/index.js";

const SIZES = (process.env.BENCH_SIZES ?? "10,100,1000,10000").split(",").map(Number);
const log = (...m) => process.stderr.write(`${m.join(" ")}\n`);
const ACTIONS = 2000;

// A small deterministic PRNG so every run sees the same actions.
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Rule i: every 10th a deny on "--force" for one program, even ones allow a program with a subcommand inside the
// workspace, odd ones allow GET /api/** on one host. The Cedar set says the same thing.
function ruleSet(n) {
  const rules = [];
  const cedarText = [];
  for (let i = 0; i < n; i++) {
    const exe = `/usr/bin/t${i - (i % 2)}`;
    if (i % 10 === 9) {
      rules.push({
        id: `r${i}`,
        effect: "deny",
        reason: "no force",
        match: { tool: "exec", executable: exe, argv: ["**", "--force", "**"] },
      });
      cedarText.push(
        `@id("r${i}") forbid(principal, action == Action::"exec", resource) when { context.exe == "${exe}" && context.argv.contains("--force") };`,
      );
    } else if (i % 2 === 0) {
      rules.push({
        id: `r${i}`,
        effect: "allow",
        reason: "tool",
        match: { tool: "exec", executable: exe, cwd: "/ws/**", argv: [`sub${i % 7}`, "**"] },
      });
      cedarText.push(
        `@id("r${i}") permit(principal, action == Action::"exec", resource) when { context.exe == "${exe}" && context.cwd like "/ws/*" && context.sub == "sub${i % 7}" };`,
      );
    } else {
      const host = `h${i}.example.com`;
      rules.push({
        id: `r${i}`,
        effect: "allow",
        reason: "api",
        match: { tool: "http_request", host, method: "GET", urlPath: "/api/**" },
      });
      cedarText.push(
        `@id("r${i}") permit(principal, action == Action::"http_request", resource) when { context.host == "${host}" && context.method == "GET" && context.path like "/api/*" };`,
      );
    }
  }
  return { yaml: stringify({ rules }), cedar: cedarText.join("\n") };
}

function actions(n, rand) {
  const out = [];
  const pick = (k) => Math.floor(rand() * k);
  for (let j = 0; j < ACTIONS; j++) {
    const i = pick(n);
    const r = rand();
    if (r < 0.45) {
      const t = i - (i % 2);
      const argv = [`/usr/bin/t${t}`, `sub${t % 7}`, "x"];
      if (rand() < 0.1) argv.push("--force");
      out.push({ tool: "exec", argv, cwd: "/ws/src", workspace: "/ws" });
    } else if (r < 0.9) {
      const h = i % 2 === 1 ? i : i + 1;
      out.push({
        tool: "http_request",
        method: rand() < 0.9 ? "GET" : "POST",
        url: `https://h${h}.example.com/api/v1/items?q=${j}`,
      });
    } else out.push({ tool: "http_request", method: "GET", url: `https://unknown${j}.test/` });
  }
  return out;
}

// What a Cedar integration would compute from the action on every call.
function cedarRequest(a) {
  const base = { principal: { type: "Agent", id: "a" }, resource: { type: "Resource", id: "r" }, entities: [] };
  if (a.tool === "exec") {
    return {
      ...base,
      action: { type: "Action", id: "exec" },
      context: { exe: a.argv[0], cwd: a.cwd, sub: a.argv[1] ?? "", argv: a.argv.slice(1) },
    };
  }
  const u = new URL(a.url);
  return {
    ...base,
    action: { type: "Action", id: "http_request" },
    context: { host: u.hostname, method: a.method, path: u.pathname },
  };
}

function measure(fn, list, { maxMs, maxN }) {
  const warmUntil = performance.now() + Math.min(500, maxMs / 4);
  for (let i = 0; i < Math.min(list.length, 2000) && performance.now() < warmUntil; i++) fn(list[i]); // warm-up
  const lat = [];
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(maxMs) * 1_000_000n;
  let i = 0;
  while (lat.length < maxN) {
    const a = list[i++ % list.length];
    const t0 = process.hrtime.bigint();
    fn(a);
    const t1 = process.hrtime.bigint();
    lat.push(Number(t1 - t0) / 1000);
    if (t1 > deadline) break;
  }
  const totalUs = Number(process.hrtime.bigint() - start) / 1000;
  lat.sort((x, y) => x - y);
  const q = (p) => Number(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(2));
  return { n: lat.length, p50_us: q(0.5), p99_us: q(0.99), per_sec: Math.round(lat.length / (totalUs / 1e6)) };
}

// Each engine and size runs in its own child process: Cedar's wasm and a long JIT-heavy loop in one process have
// crashed V8 on Node 20 here ("unreachable code" in the deoptimizer), and separate processes keep heaps apart.
function child(engine, n) {
  const { yaml, cedar: cedarText } = ruleSet(n);
  const list = actions(n, rng(n));
  if (engine === "warden") {
    const exes = [];
    for (let i = 0; i < n; i += 2) exes.push(`/usr/bin/t${i}`);
    const resolver = createMemoryResolver({ executables: exes, path: ["/usr/bin"] });
    const t0 = performance.now();
    const compiled = compilePolicyTexts({ "bench.yaml": yaml }, { resolver });
    if (!compiled.ok) throw compiled.error;
    const compileMs = performance.now() - t0;
    const policy = compiled.value;
    const allows = list.slice(0, 300).map((a) => policy.decide(a).effect === "allow");
    const m = measure((a) => policy.decide(a), list, { maxMs: 1500, maxN: 300_000 });
    return { ...m, compile_ms: Number(compileMs.toFixed(1)), allows };
  }
  if (engine === "cedar-preparsed" || engine === "cedar-per-call") {
    const policies = { staticPolicies: cedarText };
    const pre = cedar.preparsePolicySet("bench", policies);
    if (pre.type !== "success") throw new Error(JSON.stringify(pre.errors));
    const decide =
      engine === "cedar-preparsed"
        ? (a) => cedar.statefulIsAuthorized({ ...cedarRequest(a), preparsedPolicySetId: "bench" })
        : (a) => cedar.isAuthorized({ ...cedarRequest(a), policies });
    const allowed = (a) => {
      const ans = decide(a);
      if (ans.type !== "success") throw new Error(JSON.stringify(ans.errors));
      return ans.response.decision === "allow";
    };
    const until = performance.now() + 2000;
    const allows = [];
    for (const a of list.slice(0, 300)) {
      if (performance.now() > until) break;
      allows.push(allowed(a));
    }
    return { ...measure(allowed, list, { maxMs: 2500, maxN: 50_000 }), allows };
  }
  throw new Error(`unknown engine ${engine}`);
}

function runChild(engine, n) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "child", engine, String(n)], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.status !== 0)
    return { error: `exit ${r.status ?? r.signal}: ${(r.stderr ?? "").split("\n").slice(0, 3).join(" ")}` };
  return JSON.parse(r.stdout);
}

function realFsFigure() {
  // The same engine with the real filesystem resolver (PATH lookup + realpath syscalls on every exec decision).
  const dir = mkdtempSync(join(tmpdir(), "warden-bench-"));
  try {
    const { yaml } = ruleSet(1000);
    const extra = stringify({
      rules: [{ id: "ls", effect: "allow", reason: "ls", match: { tool: "exec", executable: "ls", cwd: `${dir}/**` } }],
    });
    const resolver = createNodeResolver({ pathEnv: "/usr/local/bin:/usr/bin:/bin" });
    const compiled = compilePolicyTexts({ "a.yaml": yaml, "b.yaml": extra }, { resolver });
    if (!compiled.ok) throw compiled.error;
    const a = { tool: "exec", argv: ["ls", "-la"], cwd: dir, workspace: dir };
    if (compiled.value.decide(a).effect !== "allow") throw new Error("real-fs sanity check failed");
    const m = measure((x) => compiled.value.decide(x), [a], { maxMs: 1000, maxN: 100_000 });
    return { rules: 1001, action: "exec ls: PATH lookup + realpath of exe, cwd, workspace", ...m };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "child") {
  process.stdout.write(JSON.stringify(child(process.argv[3], Number(process.argv[4]))));
} else {
  const results = [];
  for (const n of SIZES) {
    const warden = runChild("warden", n);
    const pre = runChild("cedar-preparsed", n);
    const perCall = n <= 1000 ? runChild("cedar-per-call", n) : null;
    const agree = (x) => (x?.allows ? x.allows.filter((v, i) => v === warden.allows?.[i]).length : null);
    const strip = (x) => {
      if (x === null) return null;
      const { allows, ...rest } = x;
      return { ...rest, agreement: allows ? `${agree(x)}/${allows.length}` : null };
    };
    const ratio = (x) => (x?.p50_us && warden.p50_us ? Number((x.p50_us / warden.p50_us).toFixed(1)) : null);
    const { allows: _a, compile_ms, ...w } = warden;
    results.push({
      rules: n,
      compile_ms,
      warden: w,
      cedar_preparsed: strip(pre),
      cedar_per_call: strip(perCall),
      speedup_p50_vs_cedar_preparsed: ratio(pre),
      speedup_p50_vs_cedar_per_call: ratio(perCall),
    });
    log(JSON.stringify(results[results.length - 1]));
  }
  const at = (n) => results.find((r) => r.rules === n) ?? results[results.length - 1];
  const first = results[0];
  const last = results[results.length - 1];
  console.log(
    JSON.stringify(
      {
        bench: "policy",
        node: process.version,
        cedar: cedar.getCedarVersion(),
        note: "warden rows use an in-memory resolver (no syscalls); warden_real_fs shows the real resolver's cost",
        results,
        warden_real_fs: realFsFigure(),
        targets: {
          p99_us_at_1000: at(1000).warden.p99_us,
          p99_under_20us_at_1000: at(1000).warden.p99_us < 20,
          growth_p50_first_to_last: Number((last.warden.p50_us / first.warden.p50_us).toFixed(2)),
          rules_growth_first_to_last: last.rules / first.rules,
          speedup_vs_cedar_preparsed_at_1000: at(1000).speedup_p50_vs_cedar_preparsed,
          speedup_vs_cedar_per_call_at_1000: at(1000).speedup_p50_vs_cedar_per_call,
          at_least_50x_at_1000: (at(1000).speedup_p50_vs_cedar_preparsed ?? 0) >= 50,
        },
      },
      null,
      2,
    ),
  );
}
