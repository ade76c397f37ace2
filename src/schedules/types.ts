// Types of the schedules domain: one schedule as the scheduler sees it, wherever it was defined.

export interface Schedule {
  name: string;
  cron: string;
  prompt: string;
  workspace?: string;
  tz?: string;
  approvalExpirySeconds: number;
  /**
   * The named policy profile its runs carry (`when: {profile: NAME}` in policy rules). Set by the runtime on every
   * action of the run and of its sub-agents; the model never chooses it.
   */
  profile?: string;
  /** `config`: from warden.yaml, read-only at run time; `owner`: added with `warden schedule add`. */
  source: "config" | "owner";
}

/** What is remembered between daemon runs: when a schedule was first seen, and the run time it last fired for. */
export interface ScheduleState {
  firstSeen: number;
  lastFire: number | null;
}

/** The task key of a schedule's runs: the runner's fair queue serves it like any other sender. */
export const scheduleKey = (name: string): string => `schedule:${name}`;
