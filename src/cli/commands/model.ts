// `warden model list | pull [NAME] | engine install`: the model files in <home>/models and the configured provider,
// downloading a known model (progress bar on a terminal, plain lines otherwise, pinned checksum), and installing the
// optional embedded engine. None of these needs the daemon; a running daemon picks a new model up at its next start.
import type { Command } from "commander";
import { type CliContext, printJson, println } from "../context.js";

function size(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

/** Progress on a terminal: one bar redrawn in place, at most 10 times a second. Elsewhere: a line every 10%. */
function progressPrinter(ctx: CliContext, name: string) {
  const tty = (ctx.stderr as { isTTY?: boolean }).isTTY === true;
  const started = Date.now();
  let lastDraw = 0;
  let lastStep = -1;
  return {
    update(p: { done: number; total?: number; resumedFrom: number }) {
      const now = Date.now();
      const rate = (p.done - p.resumedFrom) / Math.max(0.001, (now - started) / 1000);
      const pct = p.total ? Math.min(100, Math.floor((p.done / p.total) * 100)) : undefined;
      if (tty) {
        if (now - lastDraw < 100 && p.done !== p.total) return;
        lastDraw = now;
        const width = 30;
        const filled = pct === undefined ? 0 : Math.round((pct / 100) * width);
        const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
        const of = p.total ? ` / ${size(p.total)}` : "";
        ctx.stderr.write(`\r${name} ${bar} ${pct ?? "?"}% ${size(p.done)}${of} ${size(rate)}/s   `);
        return;
      }
      const step = pct === undefined ? Math.floor(p.done / 100e6) : Math.floor(pct / 10);
      if (step === lastStep) return;
      lastStep = step;
      const of = p.total ? ` of ${size(p.total)} (${pct}%)` : "";
      println(ctx.stderr, `${name}: ${size(p.done)}${of}`);
    },
    end() {
      if (tty && lastDraw > 0) ctx.stderr.write("\n");
    },
  };
}

async function loadConfigOrDefaults(ctx: CliContext) {
  const { homePaths } = await import("../../home/index.js");
  const { loadConfigFile } = await import("../../config/index.js");
  const paths = homePaths(ctx.homeRoot);
  try {
    return { paths, config: loadConfigFile(paths.config) };
  } catch {
    return { paths, config: undefined }; // `model list` still lists files in a home whose config is broken
  }
}

export function registerModel(program: Command, ctx: CliContext): void {
  const model = program
    .command("model")
    .description("local model files, `model pull` to download one, `model engine install` for the embedded engine");

  model
    .command("list")
    .description("model files in <home>/models, the configured provider and whether the embedded engine is installed")
    .option("--json", "print as JSON")
    .action(async (opts: { json?: boolean }) => {
      const m = await import("../../models/index.js");
      const { config } = await loadConfigOrDefaults(ctx);
      const dir = m.modelsDirOf(ctx.homeRoot);
      const files = m.listModelFiles(dir);
      const engine = m.findEngine(m.engineDirs(ctx.homeRoot));
      const settings = config?.model;
      const active =
        settings?.provider === "embedded" || settings?.provider === "none"
          ? m.resolveModelPath(dir, settings.path)
          : undefined;
      if (opts.json) {
        printJson(ctx.stdout, {
          dir,
          files: files.map((f) => ({ ...f, active: f.path === active })),
          provider: settings ?? null,
          engine: engine ?? null,
        });
        return;
      }
      println(ctx.stdout, `Models in ${dir}:`);
      if (files.length === 0) println(ctx.stdout, "  (none: `warden model pull` downloads the default model)");
      for (const f of files) {
        const notes = [
          f.partial ? "partial download: `warden model pull` resumes it" : undefined,
          !f.partial && !f.gguf ? "NOT a GGUF file" : undefined,
          f.catalog ? `= ${f.catalog}` : undefined,
          f.path === active ? "in use by the embedded engine" : undefined,
        ].filter(Boolean);
        println(ctx.stdout, `  ${f.name}  ${size(f.bytes)}${notes.length ? `  (${notes.join("; ")})` : ""}`);
      }
      const where = settings?.baseUrl ? ` at ${settings.baseUrl}` : "";
      const name = settings?.model ? ` ${settings.model}` : "";
      const cloud =
        settings && m.CLOUD_PROVIDERS.includes(settings.provider) ? " (CLOUD: prompts leave this machine)" : "";
      println(
        ctx.stdout,
        `Configured provider: ${settings ? `${settings.provider}${name}${where}${cloud}` : "unknown (warden.yaml is missing or invalid: `warden doctor` says which)"}`,
      );
      println(
        ctx.stdout,
        engine
          ? `Embedded engine: node-llama-cpp ${engine.version} in ${engine.dir}`
          : "Embedded engine: not installed (`warden model engine install`)",
      );
    });

  model
    .command("pull")
    .description(
      "download a known model into <home>/models, checked against its pinned SHA-256 (resumes a partial one)",
    )
    .argument("[name]", "a known model (default: qwen2.5-1.5b-instruct, 1.1 GB); with --url, the file name to save as")
    .option("--url <url>", "download another GGUF from this URL (needs --sha256)")
    .option("--sha256 <hex>", "the SHA-256 the file from --url must have")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      "\nKnown models:\n  qwen2.5-1.5b-instruct  Qwen2.5 1.5B Instruct Q4_K_M, 1.1 GB (the default)\n" +
        "Offline? Point model.baseUrl at a local server (Ollama, llama.cpp, vLLM), or copy a GGUF file into\n" +
        "<home>/models and set model.provider: embedded and model.path: FILE.",
    )
    .action(async (name: string | undefined, opts: { json?: boolean; url?: string; sha256?: string }) => {
      const m = await import("../../models/index.js");
      const { WardenError } = await import("../../errors.js");
      const { join } = await import("node:path");
      let entry = m.catalogModel(name ?? m.DEFAULT_MODEL);
      if (opts.url !== undefined || opts.sha256 !== undefined) {
        const file = name ?? new URL(opts.url ?? "http://x/").pathname.split("/").pop() ?? "";
        if (!opts.url || !opts.sha256 || !/^[0-9a-f]{64}$/.test(opts.sha256) || !/^[\w.-]+\.gguf$/.test(file)) {
          throw new WardenError("USAGE", "--url needs --sha256 (64 hex digits) and a file name ending in .gguf", {
            fix: "warden model pull NAME.gguf --url https://... --sha256 HEX",
          });
        }
        entry = { name: file, file, url: opts.url, sha256: opts.sha256, bytes: 0, description: file };
      }
      if (!entry) {
        throw new WardenError("USAGE", `no model named ${JSON.stringify(name)}`, {
          fix: `known models: ${m.CATALOG.map((c) => c.name).join(", ")}; or copy any GGUF file into <home>/models and set model.path`,
        });
      }
      const dest = join(m.modelsDirOf(ctx.homeRoot), entry.file);
      if (!opts.json) println(ctx.stderr, `Downloading ${entry.description}\n  from ${entry.url}`);
      const progress = progressPrinter(ctx, entry.file);
      const r = await m.pullModel({
        url: entry.url,
        sha256: entry.sha256,
        ...(entry.bytes > 0 ? { bytes: entry.bytes } : {}),
        dest,
        ...(opts.json ? {} : { onProgress: (p) => progress.update(p) }),
      });
      progress.end();
      if (!r.ok) throw r.error;
      if (opts.json) {
        printJson(ctx.stdout, { name: entry.name, ...r.value, sha256: entry.sha256 });
        return;
      }
      println(
        ctx.stdout,
        `${r.value.present ? "Already there" : "Downloaded"}: ${dest} (${size(r.value.bytes)}, SHA-256 ok)`,
      );
      println(ctx.stdout, "Use it: set `model.provider: embedded` in warden.yaml (model.path defaults to this file),");
      println(
        ctx.stdout,
        "then `warden model engine install` if `warden model list` says the engine is missing, and restart.",
      );
    });

  const engine = model.command("engine").description("the optional embedded inference engine (node-llama-cpp)");
  engine
    .command("install")
    .description("install node-llama-cpp with the CPU build for this machine (about 85 MB) from the npm registry")
    .option("--dir <dir>", "install into this folder instead of <home>/engine")
    .option("--force", "reinstall even when it is installed already")
    .action(async (opts: { dir?: string; force?: boolean }) => {
      const m = await import("../../models/index.js");
      const { join, resolve } = await import("node:path");
      const dir = opts.dir ? resolve(ctx.cwd, opts.dir) : join(ctx.homeRoot, "engine");
      const started = Date.now();
      if (opts.force || !m.findEngine([dir])) {
        println(ctx.stderr, `Installing node-llama-cpp ${m.ENGINE_VERSION} (CPU build) into ${dir} ...`);
      }
      const r = await m.installEngine({
        dir,
        ...(opts.force ? { force: true } : {}),
        onLine: (line) => println(ctx.stderr, `  npm: ${line}`),
      });
      if (!r.ok) throw r.error;
      if (!r.value.ranNpm) {
        println(
          ctx.stdout,
          `node-llama-cpp ${r.value.version} is installed in ${r.value.dir} already (--force reinstalls)`,
        );
        return;
      }
      println(
        ctx.stdout,
        `Installed node-llama-cpp ${r.value.version} in ${r.value.dir} (${((Date.now() - started) / 1000).toFixed(0)} s)`,
      );
    });
}
