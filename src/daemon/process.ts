// Is a process still alive? A zombie (exited, not yet reaped by its parent, which for a detached daemon is whatever
// init the machine runs) counts as gone: it holds no lock, no port and runs no code.
import { readFileSync } from "node:fs";

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ...": the state letter follows the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // No /proc (not Linux): kill(pid, 0) succeeded, so assume it lives.
  }
}
