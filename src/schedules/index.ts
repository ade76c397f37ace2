// Public API of the schedules domain: cron parsing, the config section, the scheduler, the service the daemon runs
// (runs in "nobody watching" mode) and its routes.

export { SCHEDULE_NAME, type ScheduleSpec, type SchedulesConfig, schedulesConfigSchema } from "./config.js";
export { type CronSchedule, isTimeZone, localZone, parseCron } from "./cron.js";
export { addScheduleBody, type ScheduleView, scheduleRoutes, unknownProfileWarning } from "./routes.js";
export { Scheduler, type SchedulerDeps } from "./scheduler.js";
export {
  type LeftoverRun,
  type NoticeKind,
  type RunEnd,
  ScheduleService,
  type ScheduleServiceDeps,
  type ScheduleTaskRunner,
} from "./service.js";
export { ScheduleStore } from "./store.js";
export { type Schedule, type ScheduleState, scheduleKey } from "./types.js";
export { type UnattendedRun, UnattendedTasks } from "./unattended.js";
