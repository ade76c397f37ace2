// Streamed text redaction: a secret (raw or encoded) split across deltas at every position never leaves in clear,
// through the wrapper alone and through the agent loop's task.text events, and text without secrets streams early.
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { ok } from "../errors.js";
import type { ChatRequest, ModelProvider } from "../models/index.js";
import { SecretRedactor } from "../secrets/index.js";
import { harness } from "./harness.fake.js";
import type { AgentEvent } from "./index.js";
import { runTask } from "./loop.js";
import { redactingStream } from "./stream-redact.js";

const VALUE = "zq-9f8e7d6c5b4a-TOKEN";
const redactor = () => {
  const r = new SecretRedactor();
  r.add("API_KEY", VALUE);
  return r;
};

function run(r: SecretRedactor, deltas: readonly string[]): { pieces: string[]; out: string } {
  const s = redactingStream(r);
  const pieces = deltas.map((d) => s.push(d));
  pieces.push(s.end());
  return { pieces, out: pieces.join("") };
}

const forms = [VALUE, Buffer.from(VALUE).toString("base64"), Buffer.from(VALUE).toString("hex")];

describe("redactingStream", () => {
  it("never lets a value out when it is split in two at any position, in any encoding", () => {
    const r = redactor();
    for (const form of forms) {
      const text = `before ${form} after`;
      for (let i = 0; i <= text.length; i++) {
        const { pieces, out } = run(r, [text.slice(0, i), text.slice(i)]);
        expect(out).toBe(r.redact(text));
        expect(out).toContain("[secret:API_KEY]");
        for (const p of pieces) expect(p).not.toContain(form.slice(0, 6));
      }
    }
  });

  it("never lets a value out when it is split in three at any pair of positions", () => {
    const r = redactor();
    const text = `x ${VALUE} y ${VALUE}`;
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j++) {
        const { out } = run(r, [text.slice(0, i), text.slice(i, j), text.slice(j)]);
        expect(out).toBe("x [secret:API_KEY] y [secret:API_KEY]");
      }
    }
  });

  it("one character at a time: the emitted text never holds a prefix of the value longer than the hold-back", () => {
    const r = redactor();
    const text = `The key is ${VALUE}, and again ${VALUE.toUpperCase()}; that is all there is to say here.`;
    const s = redactingStream(r);
    let shown = "";
    for (const ch of text) {
      shown += s.push(ch);
      expect(shown).not.toContain(VALUE.slice(0, 3));
    }
    shown += s.end();
    expect(shown).toBe(r.redact(text));
  });

  it("streams text early: after a push only the hold-back tail waits", () => {
    const r = redactor();
    const s = redactingStream(r);
    const long = "a".repeat(200);
    const first = s.push(long);
    expect(first.length).toBe(200 - (r.maxValueLength() - 1));
    expect(first + s.end()).toBe(long);
  });

  it("holds back exactly enough: one value whose length is the maximum, split at every position", () => {
    const plain = { redact: (t: string) => t.replaceAll(VALUE, "[v]"), maxValueLength: () => VALUE.length };
    const text = `ab ${VALUE} cd ${VALUE}`;
    for (let i = 0; i <= text.length; i++) {
      const s = redactingStream(plain);
      const pieces = [s.push(text.slice(0, i)), s.push(text.slice(i)), s.end()];
      for (const p of pieces) expect(p).not.toContain(VALUE.slice(0, 2));
      expect(pieces.join("")).toBe("ab [v] cd [v]");
    }
  });

  it("holds everything until the end for a redactor that cannot say how long its values are", () => {
    const s = redactingStream({ redact: (t) => t.replaceAll("secret", "[x]") });
    expect(s.push("a secr")).toBe("");
    expect(s.push("et here")).toBe("");
    expect(s.end()).toBe("a [x] here");
  });
});

/** A model that streams its answer in the given deltas. */
class DeltaModel implements ModelProvider {
  readonly id = "delta";
  constructor(private readonly deltas: readonly string[]) {}
  async chat(_req: ChatRequest, onText?: (delta: string) => void) {
    for (const d of this.deltas) onText?.(d);
    const content = this.deltas.join("");
    return ok({
      content,
      toolCalls: [],
      usage: { promptTokens: 1, completionTokens: 1 },
      finishReason: "stop" as const,
    });
  }
  async probe() {
    return ok({ models: ["delta"] });
  }
}

describe("agent loop task.text events", () => {
  it("publishes text deltas redacted for a secret split at every position", async () => {
    await using dir = await tempDir();
    const r = redactor();
    using h = await harness(dir.path, { agent: { redactor: r } });
    const text = `here: ${VALUE}.`;
    for (let i = 1; i < text.length; i += 3) {
      const created = await h.tasks.create({ prompt: "tell me", principal: "owner" });
      if (!created.ok) throw created.error;
      const events: AgentEvent[] = [];
      const outcome = await runTask(h.deps(new DeltaModel([text.slice(0, i), text.slice(i)])), created.value.id, {
        onEvent: (e) => events.push(e),
      });
      expect(outcome.state).toBe("done");
      const deltas = events.flatMap((e) => (e.type === "text" ? [e.delta] : []));
      expect(deltas.join("")).toBe("here: [secret:API_KEY].");
      expect(JSON.stringify(events)).not.toContain(VALUE.slice(0, 8));
    }
  });
});
