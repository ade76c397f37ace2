// The daemon's event bus: domains publish, the WebSocket fan-out (and tests) subscribe. Synchronous, in-process,
// no buffering: a slow subscriber is the subscriber's problem (the WebSocket layer drops clients that fall behind).

export interface WardenEvent {
  type: string;
  ts: string;
  data: Record<string, unknown>;
}

export type Listener = (event: WardenEvent) => void;

export class EventBus {
  private readonly listeners = new Set<Listener>();

  publish(type: string, data: Record<string, unknown> = {}): void {
    const event: WardenEvent = { type, ts: new Date().toISOString(), data };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // One broken subscriber must not stop the others or the publisher; subscribers log their own failures.
      }
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
