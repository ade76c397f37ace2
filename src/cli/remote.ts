// Reaching the running daemon from a CLI command: its address from the pid file, the token from the home. A daemon
// that is not running is NOT_RUNNING with the command that starts it.
import { lockHeld, readPidFile } from "../daemon/locate.js";
import { WardenError } from "../errors.js";
import { GatewayClient } from "../gateway/client.js";
import { homePaths, readToken } from "../home/index.js";

export function daemonClient(homeRoot: string, timeoutMs?: number): GatewayClient {
  const paths = homePaths(homeRoot);
  const info = readPidFile(paths);
  if (!info?.url || !lockHeld(paths)) {
    throw new WardenError("NOT_RUNNING", `Warden is not running (home ${paths.root})`, {
      fix: "start it with `warden start`",
    });
  }
  return new GatewayClient(info.url, readToken(paths), timeoutMs);
}
