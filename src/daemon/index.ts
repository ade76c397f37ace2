// Public API of the daemon domain: start it here or in the background, find and stop a running one.
export { type ReadyMessage, spawnDaemon } from "./background.js";
export { type DaemonOptions, type RunningDaemon, startDaemon } from "./daemon.js";
export { runForeground } from "./foreground.js";
export { acquireLock, lockHeld, type PidInfo, readPidFile } from "./lock.js";
export { processAlive } from "./process.js";
export type { StatusBody } from "./routes.js";
