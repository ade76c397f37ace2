// `warden policy check|explain|lint`: the policy engine on the command line. Works with or without a running daemon:
// it loads the home's policy folder itself (or --dir), exactly as the daemon does at start-up.
// check exits 0 for allow, 3 for deny, 4 for ask, so scripts can branch on the decision.
import type { Command } from "commander";
import { type CliContext, printJson, println } from "../context.js";

interface PolicyOpts {
  action?: string;
  dir?: string;
  json?: boolean;
  profile?: string;
}

const EXIT_BY_EFFECT = { allow: 0, deny: 3, ask: 4 } as const;

export function registerPolicy(program: Command, ctx: CliContext): void {
  const policy = program.command("policy").description("check actions against the policy, explain decisions, lint");
  const dirOption = "policy folder to load (default: <home>/policy)";
  const profileOption =
    "decide it as a scheduled run under this policy profile (principal schedule unless the action names one)";

  policy
    .command("check")
    .description("decide one action; prints {effect, rule, reason} as JSON; exit 0 allow, 3 deny, 4 ask")
    .requiredOption("--action <json>", 'the action, e.g. \'{"tool":"exec","argv":["git","status"]}\'')
    .option("--dir <path>", dirOption)
    .option("--profile <name>", profileOption)
    .action(async (opts: PolicyOpts) => {
      const { engine, action } = await load(ctx, opts);
      const decision = engine.policy.decide(action);
      printJson(ctx.stdout, engine.checkJson(decision));
      ctx.exitCode = EXIT_BY_EFFECT[decision.effect];
    });

  policy
    .command("explain")
    .description("decide one action and show why: the facts, every rule about the tool, which one decided")
    .requiredOption("--action <json>", "the action as JSON")
    .option("--dir <path>", dirOption)
    .option("--profile <name>", profileOption)
    .option("--json", "print the explanation as JSON")
    .action(async (opts: PolicyOpts) => {
      const { engine, action } = await load(ctx, opts);
      const explanation = engine.policy.explain(action);
      if (opts.json) printJson(ctx.stdout, explanation);
      else println(ctx.stdout, engine.formatExplanation(explanation));
      ctx.exitCode = EXIT_BY_EFFECT[explanation.decision.effect];
    });

  policy
    .command("simulate")
    .description("replay the decisions on the audit record against the current (or a candidate) policy; list changes")
    .option("--since <time>", "only decisions at or after this ISO time")
    .option("--dir <path>", "a candidate policy folder to try (default: <home>/policy)")
    .option("--json", "print the result as JSON")
    .action(async (opts: PolicyOpts & { since?: string }) => {
      const engine = await import("../../policy/index.js");
      const { daemonClient } = await import("../remote.js");
      const { dir, sandboxPath } = await policyLocation(ctx, opts);
      const loaded = engine.loadPolicyDir(dir, { resolver: engine.createNodeResolver({ pathEnv: sandboxPath }) });
      if (!loaded.ok) throw loaded.error;
      const client = daemonClient(ctx.homeRoot);
      const records = [];
      let after: number | null = 0;
      while (after !== null) {
        const q = new URLSearchParams({ afterSeq: String(after) });
        if (opts.since) q.set("since", opts.since);
        const page: {
          events: { seq: number; ts: string; type: string; data: Record<string, unknown> }[];
          nextAfterSeq: number | null;
        } = await client.request("GET", `/v1/audit/events?${q}`);
        for (const e of page.events) {
          const r = e.type === "policy.decision" ? recorded(e) : undefined;
          if (r) records.push(r);
        }
        after = page.nextAfterSeq;
      }
      const result = engine.simulate(loaded.value, records);
      if (opts.json) printJson(ctx.stdout, result);
      else println(ctx.stdout, engine.formatSimulation(result));
    });

  policy
    .command("lint")
    .description(
      "errors and warnings: invalid files, shadowed rules, allows that wrappers or broad globs defeat, schedule profiles no rule names",
    )
    .option("--dir <path>", dirOption)
    .option("--json", "print the findings as JSON")
    .action(async (opts: PolicyOpts) => {
      const { lintPolicyDir, formatLint, createNodeResolver } = await import("../../policy/index.js");
      const { dir, sandboxPath } = await policyLocation(ctx, opts);
      const profiles = await scheduleProfiles(ctx);
      const result = lintPolicyDir(dir, { resolver: createNodeResolver({ pathEnv: sandboxPath }) }, profiles);
      if (opts.json) printJson(ctx.stdout, result);
      else println(ctx.stdout, formatLint(result));
      if (result.errors.length > 0) ctx.exitCode = 1;
    });
}

/** One recorded decision from a `policy.decision` audit event ({action, decision: {effect, rule}}), or undefined. */
function recorded(e: { seq: number; ts: string; data: Record<string, unknown> }) {
  const d = (e.data.decision ?? e.data) as { effect?: unknown; rule?: unknown };
  if (e.data.action === undefined || typeof d.effect !== "string") return undefined;
  const effect = d.effect as "allow" | "deny" | "ask";
  return {
    ref: e.seq,
    at: e.ts,
    action: e.data.action,
    before: { effect, rule: typeof d.rule === "string" ? d.rule : null },
  };
}

/**
 * The profiles schedules run under: warden.yaml's, and those added at run time when the daemon runs (they live in
 * its state database; without a daemon only the file's are checked).
 */
async function scheduleProfiles(ctx: CliContext) {
  const { homePaths } = await import("../../home/index.js");
  const { loadConfigFile } = await import("../../config/index.js");
  const { WardenError } = await import("../../errors.js");
  const { daemonClient } = await import("../remote.js");
  const uses = new Map<string, { profile: string; schedules: string[]; where: string }>();
  const add = (profile: string | undefined, schedule: string, where: string) => {
    if (!profile) return;
    const key = `${where}\u0000${profile}`;
    const u = uses.get(key) ?? { profile, schedules: [], where };
    u.schedules.push(schedule);
    uses.set(key, u);
  };
  for (const s of loadConfigFile(homePaths(ctx.homeRoot).config).schedules) add(s.profile, s.name, "warden.yaml");
  try {
    const { schedules } = await daemonClient(ctx.homeRoot).request<{
      schedules: { name: string; source: string; profile?: string }[];
    }>("GET", "/v1/schedules");
    for (const s of schedules) if (s.source === "owner") add(s.profile, s.name, "added with warden schedule add");
  } catch (e) {
    if (!(e instanceof WardenError && e.code === "NOT_RUNNING")) throw e;
  }
  return [...uses.values()];
}

async function policyLocation(ctx: CliContext, opts: PolicyOpts): Promise<{ dir: string; sandboxPath: string }> {
  const { homePaths } = await import("../../home/index.js");
  const { loadConfigFile } = await import("../../config/index.js");
  const paths = homePaths(ctx.homeRoot);
  if (opts.dir) return { dir: opts.dir, sandboxPath: "/usr/local/bin:/usr/bin:/bin" };
  return { dir: paths.policyDir, sandboxPath: loadConfigFile(paths.config).policy.sandboxPath };
}

async function load(ctx: CliContext, opts: PolicyOpts) {
  const engine = await import("../../policy/index.js");
  const parsed = engine.parseActionJson(opts.action ?? "");
  if (!parsed.ok) throw parsed.error;
  if (opts.profile !== undefined) {
    const { WardenError } = await import("../../errors.js");
    if (!engine.PROFILE_NAME.test(opts.profile))
      throw new WardenError(
        "USAGE",
        `--profile: "${opts.profile}" is not a profile name (letters, digits, _ and -, max 64)`,
      );
    parsed.value.principal ??= "schedule";
    parsed.value.profile = opts.profile;
  }
  const { dir, sandboxPath } = await policyLocation(ctx, opts);
  const loaded = engine.loadPolicyDir(dir, { resolver: engine.createNodeResolver({ pathEnv: sandboxPath }) });
  if (!loaded.ok) throw loaded.error;
  return { engine: { ...engine, policy: loaded.value }, action: parsed.value };
}
