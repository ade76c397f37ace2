// "Nobody watching": the approval gate seen by scheduled runs. A request made by a task started by a schedule (or by
// a sub-agent of one) gets the schedule's short expiry (it is denied as expired when nobody answers in time), and the
// owner is told at once. Every other request passes through unchanged. Never answers a request itself.
import type { Approval, ApprovalGate } from "../approvals/index.js";

export interface UnattendedRun {
  schedule: string;
  expiryMs: number;
}

export class UnattendedTasks {
  private readonly runs = new Map<string, UnattendedRun>();

  add(task: string, run: UnattendedRun): void {
    this.runs.set(task, run);
  }

  delete(task: string): void {
    this.runs.delete(task);
  }

  /** The run `task` belongs to: its own, or its parent's (sub-agents), up to a few levels. */
  get(task: string, parentOf?: (task: string) => string | null): UnattendedRun | undefined {
    let at: string | null = task;
    for (let depth = 0; at !== null && depth < 16; depth++) {
      const run = this.runs.get(at);
      if (run) return run;
      at = parentOf ? parentOf(at) : null;
    }
    return undefined;
  }

  /**
   * `gate` with the short expiry applied to the requests of unattended tasks and their sub-agents (`parentOf` names a
   * task's parent); `asked` is told of each such request.
   */
  gate(
    gate: ApprovalGate,
    asked: (approval: Approval, run: UnattendedRun) => void,
    parentOf?: (task: string) => string | null,
  ): ApprovalGate {
    return {
      request: (input) => {
        const run = this.get(input.task, parentOf);
        if (!run) return gate.request(input);
        const approval = gate.request({ ...input, expiresInMs: run.expiryMs });
        asked(approval, run);
        return approval;
      },
      wait: (id) => gate.wait(id),
      consume: (id, action, actor) => gate.consume(id, action, actor),
      endTask: (task, actor, reason) => gate.endTask(task, actor, reason),
    };
  }
}
