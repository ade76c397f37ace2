// The channels Warden can send on, by name. The one door out for messages: every text is redacted here, before any
// adapter sees it, so a new adapter cannot forget to. Adapters are registered by the composition root, never on import.
import type { Redactor } from "../log/index.js";
import type { ChannelAdapter, SendFailure, SentMessage } from "./adapter.js";

export type SendResult =
  | { ok: true; value: SentMessage }
  | { ok: false; error: SendFailure | { code: "UNKNOWN_CHANNEL"; reason: string } };

export class ChannelRegistry {
  private readonly adapters = new Map<string, ChannelAdapter>();

  constructor(private readonly redactor: Pick<Redactor, "redact">) {}

  /** Throws on a second adapter with the same name: that is a wiring bug, not a runtime condition. */
  register(adapter: ChannelAdapter): void {
    if (this.adapters.has(adapter.name)) throw new Error(`channel ${adapter.name} is registered twice`);
    this.adapters.set(adapter.name, adapter);
  }

  get(name: string): ChannelAdapter | undefined {
    return this.adapters.get(name);
  }

  names(): string[] {
    return [...this.adapters.keys()];
  }

  /** Send `text` (redacted first) to `to` on `channel`; unknown channels and recipients are errors for the model. */
  async send(channel: string, message: { to: string; text: string; task: string | null }): Promise<SendResult> {
    const adapter = this.adapters.get(channel);
    if (!adapter) {
      const known = this.names().join(", ") || "none";
      return {
        ok: false,
        error: { code: "UNKNOWN_CHANNEL", reason: `no channel named "${channel}"; channels: ${known}` },
      };
    }
    if (!adapter.knows(message.to))
      return {
        ok: false,
        error: { code: "UNKNOWN_RECIPIENT", reason: `channel ${channel} has no recipient "${message.to}"` },
      };
    try {
      return await adapter.send({ ...message, text: this.redactor.redact(message.text) });
    } catch (e) {
      // The contract says adapters do not throw; one that does still must not crash the caller.
      return { ok: false, error: { code: "SEND_FAILED", reason: (e as Error)?.message ?? String(e) } };
    }
  }

  async close(): Promise<void> {
    for (const a of this.adapters.values()) await a.close?.();
  }
}
