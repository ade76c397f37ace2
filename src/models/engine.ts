// The optional embedded inference engine (node-llama-cpp 3.21.1): where it is installed, loading it on demand, and
// installing it. It is not a dependency of the core package: its own package (the engine/ folder: package.json and a
// lock) is installed apart, with only the CPU build for this platform (the CUDA and Vulkan builds are ~700 MB), into
// <home>/engine by `warden model engine install`, or into a checkout's engine/ with `--dir engine` (scripts/test.sh).
// Nothing here runs at import time; loading the engine costs ~1 s, so it happens on a provider's first request.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { err, ok, type Result, WardenError } from "../errors.js";
import type { NodeLlamaCpp } from "./engine-types.js";

export const ENGINE_PACKAGE = "node-llama-cpp";
export const ENGINE_VERSION = "3.21.1";

/** The engine/ folder shipped with Warden (package.json + package-lock.json), found from this file's location. */
export function bundledEngineDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string };
      if (pkg.name === "warden") return join(dir, "engine");
    } catch {
      // no package.json at this level: keep walking up
    }
    dir = dirname(dir);
  }
  return undefined;
}

/** Where an installed engine is looked for, in order: the home's own, then the one beside Warden. */
export function engineDirs(homeRoot: string | undefined): string[] {
  const dirs: string[] = [];
  if (homeRoot) dirs.push(join(homeRoot, "engine"));
  const bundled = bundledEngineDir();
  if (bundled) dirs.push(bundled);
  return dirs;
}

export interface EngineLocation {
  dir: string;
  version: string;
  entry: string;
}

/** The first folder holding node-llama-cpp at the pinned version, or undefined. Reads two small files, loads nothing. */
export function findEngine(dirs: readonly string[]): EngineLocation | undefined {
  for (const dir of dirs) {
    const root = join(dir, "node_modules", ENGINE_PACKAGE);
    try {
      const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version?: string };
      if (pkg.version !== ENGINE_VERSION) continue;
      const entry = join(root, "dist", "index.js");
      if (existsSync(entry)) return { dir, version: pkg.version, entry };
    } catch {
      // not installed here
    }
  }
  return undefined;
}

export function engineMissingError(dirs: readonly string[]): WardenError {
  return new WardenError(
    "MODEL_FAILED",
    `the embedded engine (${ENGINE_PACKAGE} ${ENGINE_VERSION}) is not installed (looked in ${dirs.join(", ") || "no folder"})`,
    {
      fix: "run `warden model engine install` (about 85 MB, CPU build only), or point model.baseUrl at a local server",
    },
  );
}

/** Imports node-llama-cpp from the first install found. */
export async function loadEngine(dirs: readonly string[]): Promise<Result<NodeLlamaCpp, WardenError>> {
  const found = findEngine(dirs);
  if (!found) return err(engineMissingError(dirs));
  try {
    return ok((await import(pathToFileURL(found.entry).href)) as NodeLlamaCpp);
  } catch (e) {
    return err(
      new WardenError(
        "MODEL_FAILED",
        `the embedded engine in ${found.dir} does not load: ${String(e)}`,
        {
          fix: "reinstall it with `warden model engine install`",
        },
        { cause: e },
      ),
    );
  }
}

/** The npm name of node-llama-cpp's prebuilt CPU binary for this machine. */
export function cpuBinaryPackage(platform: string = process.platform, arch: string = process.arch): string | undefined {
  const os = platform === "darwin" ? "mac" : platform === "win32" ? "win" : platform === "linux" ? "linux" : undefined;
  if (!os) return undefined;
  const known: Record<string, string> = {
    "linux-x64": "linux-x64",
    "linux-arm64": "linux-arm64",
    "linux-arm": "linux-armv7l",
    "mac-arm64": "mac-arm64-metal",
    "mac-x64": "mac-x64",
    "win-x64": "win-x64",
    "win-arm64": "win-arm64",
  };
  const name = known[`${os}-${arch}`];
  return name ? `@node-llama-cpp/${name}@${ENGINE_VERSION}` : undefined;
}

export interface InstallOptions {
  /** folder to install into: its package files are copied from `source` first unless they are the same folder */
  dir: string;
  /** the engine/ folder with package.json and package-lock.json; default: the one shipped with Warden */
  source?: string;
  /** npm executable; default "npm" from PATH */
  npm?: string;
  /** each line npm prints */
  onLine?: (line: string) => void;
  /** reinstall even when the pinned engine and this platform's CPU build are there already */
  force?: boolean;
}

/**
 * Installs the engine: `npm ci` from the committed lock without optional packages (that is, without every GPU build),
 * then the one CPU build for this platform. Scripts are not run (node-llama-cpp's postinstall would try to download
 * or compile llama.cpp; the prebuilt binary needs neither). Only the npm registry is contacted.
 */
export async function installEngine(
  options: InstallOptions,
): Promise<Result<EngineLocation & { ranNpm: boolean }, WardenError>> {
  const source = options.source ?? bundledEngineDir();
  if (!source || !existsSync(join(source, "package-lock.json"))) {
    return err(new WardenError("INTERNAL", "Warden's engine/ package files are missing from this installation"));
  }
  const binary = cpuBinaryPackage();
  if (!binary) {
    return err(
      new WardenError("MODEL_FAILED", `no prebuilt engine for ${process.platform}-${process.arch}`, {
        fix: "use a local model server instead (model.provider: openai-compatible)",
      }),
    );
  }
  const present = findEngine([options.dir]);
  const binaryDir = join(options.dir, "node_modules", binary.slice(0, binary.lastIndexOf("@")));
  if (present && existsSync(join(binaryDir, "package.json")) && !options.force)
    return ok({ ...present, ranNpm: false });
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  if (source !== options.dir) {
    for (const f of ["package.json", "package-lock.json"]) copyFileSync(join(source, f), join(options.dir, f));
  }
  const common = ["--omit=optional", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"];
  const steps = [
    ["ci", ...common],
    ["install", "--no-save", ...common, binary],
  ];
  for (const args of steps) {
    const run = await runNpm(options.npm ?? "npm", args, options.dir, options.onLine);
    if (!run.ok) return run;
  }
  const found = findEngine([options.dir]);
  return found
    ? ok({ ...found, ranNpm: true })
    : err(new WardenError("MODEL_FAILED", `npm finished but ${options.dir} holds no engine`));
}

function runNpm(
  npm: string,
  args: string[],
  cwd: string,
  onLine?: (line: string) => void,
): Promise<Result<void, WardenError>> {
  return new Promise((resolve) => {
    const child = spawn(npm, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let tail = "";
    const take = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      tail = (tail + text).slice(-2000);
      for (const line of text.split("\n")) if (line.trim() !== "") onLine?.(line);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", (e) =>
      resolve(err(new WardenError("MODEL_FAILED", `cannot run ${npm}: ${e.message}`, { fix: "install npm" }))),
    );
    child.on("close", (code) => {
      if (code === 0) return resolve(ok(undefined));
      resolve(
        err(
          new WardenError(
            "MODEL_FAILED",
            `npm ${args[0]} failed (exit ${code}) in ${cwd}: ${tail.trim().slice(-600)}`,
            {
              fix: "check that the npm registry is reachable (npm ping), then run `warden model engine install` again",
            },
          ),
        ),
      );
    });
  });
}
