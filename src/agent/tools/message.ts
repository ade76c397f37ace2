// send_message: a text to a recipient on a channel (the owner's local channel `cli` today). The policy decides on
// `{tool: "send_message", channel, to}` with the text under `args` (an approver sees what would be sent); the channel
// registry redacts the text before any adapter sees it. Unknown channels and recipients are errors for the model.
import * as z from "zod";
import type { ChannelRegistry } from "../../channels/index.js";
import { defineTool, fail, type Tool, type ToolOutput } from "../tool.js";

/** Longest message the agent may send in one call. */
export const MAX_MESSAGE_CHARS = 16_000;

const schema = z.lazy(() =>
  z.strictObject({
    channel: z.string().min(1).max(64).default("cli"),
    to: z.string().min(1).max(256).default("owner"),
    text: z.string().min(1).max(MAX_MESSAGE_CHARS),
  }),
);
type Args = z.infer<typeof schema>;

export function sendMessageTool(channels: Pick<ChannelRegistry, "send">): Tool<unknown> {
  return defineTool<Args>({
    name: "send_message",
    description: 'Send a text message; "owner" on channel "cli" is your owner.',
    schema,
    sideEffect: true,
    action: (a) => ({ tool: "send_message", channel: a.channel, to: a.to, args: { text: a.text } }),
    async run(a, ctx): Promise<ToolOutput> {
      const sent = await channels.send(a.channel, { to: a.to, text: a.text, task: ctx.task });
      if (!sent.ok) return fail(sent.error.code, sent.error.reason);
      return { ok: true, value: { sent: sent.value.id, channel: sent.value.channel, to: sent.value.to } };
    },
  });
}
