// Public API of the channels domain: the ChannelAdapter interface, the registry every outgoing message goes through
// (redaction included), the outbox, and the owner's local channel. Chat-service adapters plug in here later.
export type { ChannelAdapter, OutgoingMessage, SendFailure, SentMessage } from "./adapter.js";
export { CHANNELS_MIGRATIONS, Outbox } from "./outbox.js";
export { OWNER_CHANNEL, ownerChannel } from "./owner.js";
export { ChannelRegistry, type SendResult } from "./registry.js";
