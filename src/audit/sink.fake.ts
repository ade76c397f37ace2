// A fake AuditSink for other domains' tests: keeps events in memory, chained with the real hash function, so a
// test can assert what was audited without a database. Never used outside tests.
import { GENESIS_HASH } from "./chain.js";
import { chainEvent, prepareEvent } from "./prepare.js";
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
    const event = chainEvent(e, this.events.length + 1, this.events.at(-1)?.hash ?? GENESIS_HASH);
    this.events.push(event);
    return event;
  }

  ofType(type: string): AuditEvent[] {
    return this.events.filter((e) => e.type === type);
  }
}
