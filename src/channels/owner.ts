// The owner's local channel (`cli`): a message "to owner" is stored in the outbox and published on the daemon's event
// bus as `message.sent` ({channel, to, text, task}), where `warden chat` and the web UI show it. Reaches the owner
// only: any other recipient is unknown here.
import type { ChannelAdapter, OutgoingMessage, SentMessage } from "./adapter.js";
import type { Outbox } from "./outbox.js";

export const OWNER_CHANNEL = "cli";

export function ownerChannel(deps: {
  outbox: Outbox;
  publish: (type: string, data: Record<string, unknown>) => void;
}): ChannelAdapter {
  return {
    name: OWNER_CHANNEL,
    knows: (to) => to === "owner",
    async send(m: OutgoingMessage): Promise<{ ok: true; value: SentMessage }> {
      const sent = deps.outbox.add({ channel: OWNER_CHANNEL, to: m.to, text: m.text, task: m.task });
      deps.publish("message.sent", {
        id: sent.id,
        channel: sent.channel,
        to: sent.to,
        text: sent.text,
        task: sent.task,
      });
      return { ok: true, value: sent };
    },
  };
}
