// A ChannelAdapter for tests: records what it was given, knows the recipients it is built with, and can be told to
// fail. Stands in for a chat service; used by tests only.
import type { ChannelAdapter, OutgoingMessage, SentMessage } from "./adapter.js";

export class FakeChannel implements ChannelAdapter {
  readonly sent: SentMessage[] = [];
  failWith: string | null = null;

  constructor(
    readonly name: string,
    private readonly recipients: readonly string[] = ["owner"],
  ) {}

  knows(to: string): boolean {
    return this.recipients.includes(to);
  }

  async send(m: OutgoingMessage) {
    if (this.failWith !== null)
      return { ok: false as const, error: { code: "SEND_FAILED" as const, reason: this.failWith } };
    const sent: SentMessage = {
      id: `fake_${this.sent.length + 1}`,
      channel: this.name,
      ...m,
      sentAt: new Date().toISOString(),
    };
    this.sent.push(sent);
    return { ok: true as const, value: sent };
  }
}
