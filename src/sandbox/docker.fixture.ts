// Tests only: a Docker-compatible engine for the docker backend's suites. A Docker engine the CLI already reaches is
// used as is; otherwise, when podman is installed, `podman system service` is started on a private socket (runc as
// its runtime where installed: crun refuses hybrid-cgroup hosts) and the real docker CLI talks to it. Undefined, with
// the reason, when neither answers; the suites then skip and print it.
import { type ChildProcess, spawn } from "node:child_process";
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { engine } from "./container.js";

export interface DockerEngine {
  enginePath: string;
  host?: string;
  /** Stops the podman service this fixture started (nothing for an engine that was already there). */
  stop(): Promise<void>;
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

export async function dockerEngine(): Promise<DockerEngine | { skip: string }> {
  const cli = (await exists("/usr/bin/docker")) ? "/usr/bin/docker" : "/usr/local/bin/docker";
  if (!(await exists(cli))) return { skip: "no docker CLI (/usr/bin/docker, /usr/local/bin/docker)" };
  const config = await mkdtemp(join(tmpdir(), "warden-docker-cfg-"));
  const version = (host?: string) =>
    engine(cli, ["--config", config, ...(host ? ["--host", host] : []), "version", "--format", "{{.Server.Version}}"], {
      timeout: 10_000,
    });
  try {
    if ((await version()).code === 0) return { enginePath: cli, stop: async () => {} };
    if (!(await exists("/usr/bin/podman")))
      return { skip: "no Docker engine answers the docker CLI, and no podman to start a compatible service" };
    const dir = await mkdtemp(join(tmpdir(), "warden-podman-svc-"));
    const host = `unix://${join(dir, "podman.sock")}`;
    const runtime = (await exists("/usr/sbin/runc")) || (await exists("/usr/bin/runc")) ? ["--runtime", "runc"] : [];
    const service: ChildProcess = spawn("/usr/bin/podman", [...runtime, "system", "service", "--time=0", host], {
      stdio: "ignore",
      env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
    });
    // Never outlives the test process, even when no hook of the suite runs (a -t filter that skips them all).
    const onExit = () => service.kill("SIGKILL");
    process.once("exit", onExit);
    const stop = async () => {
      process.off("exit", onExit);
      if (service.exitCode === null && service.signalCode === null) {
        const gone = new Promise((res) => service.once("exit", res));
        service.kill("SIGTERM");
        const late = setTimeout(() => service.kill("SIGKILL"), 5_000);
        await gone;
        clearTimeout(late);
      }
      await rm(dir, { recursive: true, force: true });
    };
    let last = "";
    for (let i = 0; i < 50; i++) {
      const v = await version(host);
      if (v.code === 0) return { enginePath: cli, host, stop };
      last = v.err.trim().split("\n").at(-1) ?? "";
      await new Promise((res) => setTimeout(res, 200));
    }
    await stop();
    return { skip: `podman system service did not answer the docker CLI: ${last}` };
  } finally {
    await rm(config, { recursive: true, force: true });
  }
}
