// What a new daemon does with the tasks the previous one left behind (after Tasks.sweep has interrupted the ones
// that were running: those are reported, never re-run). Tasks waiting on a person resume on the same request or
// question; tasks that never started run now, oldest first, so each sender's tasks keep their order and the fair
// queue serves senders in turn as before. Sub-agents are never among them: only their parent's call runs one.
// Never starts a task itself: the caller submits each one (scheduled runs through the schedules service).
import type { Task, Tasks } from "../tasks/index.js";

export interface Leftovers {
  /** Top-level tasks left waiting_approval, oldest first (they resume: `submit(id, {resume: true})`). */
  waiting: Task[];
  /** Top-level tasks left queued, oldest first (they start: `submit(id)`). */
  queued: Task[];
}

export function leftoverTasks(tasks: Pick<Tasks, "list" | "queuedTopLevel">): Leftovers {
  const waiting = tasks
    .list({ state: "waiting_approval", limit: 1_000_000 })
    .filter((t) => t.parent === null)
    .reverse();
  return { waiting, queued: tasks.queuedTopLevel() };
}
