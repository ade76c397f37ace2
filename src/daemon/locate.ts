// The daemon domain's light entry point: finding a running daemon (lock, pid file, liveness) without loading the
// daemon itself. CLI commands import this so that `warden status` or `warden approve` do not pay for evaluating the
// policy engine, the audit log and the rest; index.ts is the entry point for running a daemon.
export { alreadyRunning, lockHeld, type PidInfo, readPidFile } from "./lock.js";
export { processAlive } from "./process.js";
