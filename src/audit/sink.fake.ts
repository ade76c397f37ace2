// A fake AuditSink for other domains' tests: keeps events in memory, chained with the real hash function, so a
// test can assert what was audited without a database. Never used outside tests.
import { GENESIS_HASH, hashEvent } from "./chain.js";
import { prepareEvent } from "./prepare.js";
import type { AuditEvent, AuditEventInput, AuditSink } from "./types.js";

export class MemoryAuditSink implements AuditSink {
  readonly events: AuditEvent[] = [];
  /** Set to make every append fail, as a full disk would. */
  failWith: Error | undefined;

  append(event: AuditEventInput): Promise<AuditEvent> {
    try {
      return Promise.resolve(this.appendSync(event));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  appendSync(input: AuditEventInput): AuditEvent {
    if (this.failWith) throw this.failWith;
    const e = prepareEvent(input, new Date().toISOString(), undefined);
    const seq = this.events.length + 1;
    const prev = this.events.at(-1)?.hash ?? GENESIS_HASH;
    const hash = hashEvent({
      seq,
      ts: e.ts,
      type: e.type,
      actor: e.actor,
      task: e.task,
      dataText: e.dataText,
      prevHash: prev,
    });
    const event: AuditEvent = {
      seq,
      ts: e.ts,
      type: e.type,
      actor: e.actor,
      task: e.task,
      data: JSON.parse(e.dataText),
      prev_hash: prev,
      hash,
    };
    this.events.push(event);
    return event;
  }

  ofType(type: string): AuditEvent[] {
    return this.events.filter((e) => e.type === type);
  }
}
