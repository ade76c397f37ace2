// Creating and checking the home folder. `initHome` creates what is missing (folders 0700, files 0600) and never
// overwrites a file that exists; `checkHome` finds what would let another local user read or change Warden's state.
import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { WardenError } from "../errors.js";
import type { HomePaths } from "./paths.js";

export interface InitFiles {
  config: string;
  starterPolicy: string;
}

export interface InitReport {
  created: string[];
  kept: string[];
}

export function initHome(paths: HomePaths, files: InitFiles): InitReport {
  const report: InitReport = { created: [], kept: [] };
  try {
    // A fresh account may not have ~/.local/share yet.
    mkdirSync(dirname(paths.root), { recursive: true, mode: 0o700 });
  } catch (e) {
    throw homeError(dirname(paths.root), e);
  }
  for (const dir of [paths.root, paths.policyDir, paths.runDir, paths.logDir, paths.workspaces]) {
    try {
      mkdirSync(dir, { mode: 0o700 });
      chmodSync(dir, 0o700); // mkdir's mode is filtered by the umask
      report.created.push(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw homeError(dir, e);
      report.kept.push(dir);
    }
  }
  writeNew(paths.config, files.config, report);
  const policies = readdirSync(paths.policyDir).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"));
  if (policies.length === 0) writeNew(`${paths.policyDir}/00-starter.yaml`, files.starterPolicy, report);
  else report.kept.push(paths.policyDir);
  writeNew(paths.token, `${randomBytes(32).toString("base64url")}\n`, report);
  return report;
}

/** Create `file` with `content` (0600) unless it exists: the owner's files are never overwritten. */
function writeNew(file: string, content: string, report: InitReport): void {
  let fd: number;
  try {
    fd = openSync(file, "wx", 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") {
      report.kept.push(file);
      return;
    }
    throw homeError(file, e);
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  chmodSync(file, 0o600);
  report.created.push(file);
}

export interface HomeProblem {
  path: string;
  problem: string;
  fix: string;
}

/** Everything wrong with the home's ownership and permissions; empty when it is safe to use. */
export function checkHome(paths: HomePaths, uid: number): HomeProblem[] {
  const problems: HomeProblem[] = [];
  const root = statOrProblem(paths.root, problems);
  if (!root) return problems;
  if (!root.isDirectory()) {
    return [{ path: paths.root, problem: "is not a folder", fix: "set WARDEN_HOME to a folder, or run warden init" }];
  }
  const secretFiles = [paths.config, paths.token, paths.database, paths.secretStore, paths.secretKey];
  for (const [path, st] of [[paths.root, root] as const, ...secretFiles.map((f) => [f, quietStat(f)] as const)]) {
    if (!st) continue;
    if (st.isSymbolicLink()) {
      problems.push({ path, problem: "is a symbolic link", fix: `replace it with a regular file: ${path}` });
      continue;
    }
    if (st.uid !== uid) {
      problems.push({ path, problem: `is owned by uid ${st.uid}, not by you (${uid})`, fix: `chown ${uid} ${path}` });
    }
    // Folders may be traversable (0711, what a root daemon sets so the sandbox uid reaches task workspaces), never
    // listable or writable by others; files are owner-only.
    if ((st.mode & (st.isDirectory() ? 0o066 : 0o077)) !== 0) {
      const want = st.isDirectory() ? "700" : "600";
      problems.push({
        path,
        problem: `is readable or writable by others (mode ${(st.mode & 0o777).toString(8)})`,
        fix: `chmod ${want} ${path}`,
      });
    }
  }
  return problems;
}

/** Throws HOME_INVALID naming the first problem and its fix; every problem is in `details.data.problems`. */
export function assertHomeSafe(paths: HomePaths, uid: number): void {
  const problems = checkHome(paths, uid);
  const p = problems[0];
  if (p)
    throw new WardenError("HOME_INVALID", `${p.path} ${p.problem}`, { file: p.path, fix: p.fix, data: { problems } });
}

export function readToken(paths: HomePaths): string {
  try {
    const token = readFileSync(paths.token, "utf8").trim();
    if (token.length < 32) throw new Error("token file is too short");
    return token;
  } catch (e) {
    throw new WardenError(
      "HOME_INVALID",
      `cannot read the API token ${paths.token}: ${errorCode(e)}`,
      {
        file: paths.token,
        fix: `remove ${paths.token} if it is damaged, then run \`warden init\` (it creates a token and keeps everything else)`,
      },
      { cause: e },
    );
  }
}

function statOrProblem(path: string, problems: HomeProblem[]) {
  try {
    return lstatSync(path);
  } catch (e) {
    const code = errorCode(e);
    problems.push({
      path,
      problem: code === "ENOENT" ? "does not exist" : `cannot be read (${code})`,
      fix: code === "ENOENT" ? "run `warden init`" : `check the owner and permissions of ${path}`,
    });
    return undefined;
  }
}

function quietStat(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined; // A missing file is reported by whoever needs it, with a better message.
  }
}

function errorCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
}

function homeError(path: string, e: unknown): WardenError {
  return new WardenError(
    "HOME_INVALID",
    `cannot create ${path}: ${errorCode(e)}`,
    { file: path, fix: "check that the parent folder exists and is writable, or set WARDEN_HOME" },
    { cause: e },
  );
}
