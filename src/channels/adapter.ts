// What a channel is to Warden: a named way to reach people (the owner's local CLI today; Discord, Telegram... later)
// behind one small interface. Adapters only deliver: who may be messaged is the policy's decision, made before send.

/** A message on its way out. `text` is already redacted by the registry; `task` is the task that sent it, if any. */
export interface OutgoingMessage {
  to: string;
  text: string;
  task: string | null;
}

export interface SentMessage {
  id: string;
  channel: string;
  to: string;
  text: string;
  task: string | null;
  /** ISO time. */
  sentAt: string;
}

export type SendFailure = { code: "UNKNOWN_RECIPIENT" | "SEND_FAILED"; reason: string };

/**
 * Contract: `send` never throws for an expected failure (unknown recipient, the service refused): it returns
 * `{ ok: false }` with a reason fit for the model. `knows(to)` is cheap and has no side effect. An adapter never
 * widens what it is given: it sends `text` as is, to `to` only.
 */
export interface ChannelAdapter {
  readonly name: string;
  /** Whether `to` is a recipient this channel can reach (`owner` is the owner, as this channel knows them). */
  knows(to: string): boolean;
  send(message: OutgoingMessage): Promise<{ ok: true; value: SentMessage } | { ok: false; error: SendFailure }>;
  /** Later (real chat adapters): start delivering incoming messages; returns the stop function. */
  receive?(onMessage: (m: { from: string; text: string }) => void): () => void;
  close?(): Promise<void>;
}
