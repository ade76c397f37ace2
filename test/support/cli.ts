// Runs the built `warden` binary as a user would, against a home folder of the test's own.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const WARDEN_BIN = fileURLToPath(new URL("../../bin/warden.js", import.meta.url));
const BUNDLE = fileURLToPath(new URL("../../dist/bundle/warden.js", import.meta.url));

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function assertBuilt(): void {
  if (!existsSync(BUNDLE))
    throw new Error("dist/bundle/warden.js is missing: run `npm run build` before the e2e tests");
}

export function runWarden(
  args: string[],
  home: string,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
) {
  return new Promise<CliRun>((resolve, reject) => {
    const child = spawn(process.execPath, [WARDEN_BIN, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env, WARDEN_HOME: home },
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * A home in `dir/home` whose model is the fake OpenAI-compatible server at `baseUrl`, plus a workspace `dir/ws`
 * reachable by the sandbox (as root it runs as uid 65534, which must reach and write it). `config` is appended to
 * warden.yaml; `policy` is written as an extra policy file beside the starter one.
 */
export async function homeWithFakeModel(
  dir: string,
  baseUrl: string,
  options: { policy?: string; config?: string } = {},
): Promise<{ home: string; workspace: string }> {
  const home = join(dir, "home");
  await runWarden(["init"], home);
  writeFileSync(
    join(home, "warden.yaml"),
    `gateway:\n  port: 0\nmodel:\n  provider: openai-compatible\n  baseUrl: ${baseUrl}\n  model: fake-model\n${options.config ?? ""}`,
  );
  if (options.policy !== undefined) writeFileSync(join(home, "policy", "10-test.yaml"), options.policy);
  const workspace = join(dir, "ws");
  mkdirSync(workspace);
  chmodSync(dir, 0o711);
  chmodSync(workspace, 0o777);
  return { home, workspace };
}
