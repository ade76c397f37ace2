// Redaction of the model's streamed text before it leaves the daemon (the `task.text` events). A secret value can
// arrive split across two or more deltas, so each push holds back the last (longest form of any value - 1) characters
// until the next delta or the end: every value is then seen whole by the redactor before any part of it is emitted.
// Must never emit a character that the redaction of the whole turn's text would have replaced.

export interface StreamRedactorSource {
  redact(text: string): string;
  /**
   * Length of the longest form (any encoding) of any value `redact` replaces (SecretRedactor.maxValueLength). Without
   * it nothing is emitted before the end: the whole text is redacted at once.
   */
  maxValueLength?(): number;
}

/** `push` returns what is safe to show now (maybe ""), `end` the redacted rest. */
export interface TextRedactionStream {
  push(delta: string): string;
  end(): string;
}

export function redactingStream(source: StreamRedactorSource): TextRedactionStream {
  let held = "";
  return {
    push(delta) {
      held = held.length === 0 ? delta : [held, delta].join("");
      if (source.maxValueLength === undefined) return "";
      const hold = Math.max(0, source.maxValueLength() - 1);
      if (held.length <= hold) return "";
      const cut = held.length - hold;
      const head = source.redact(held.slice(0, cut));
      const tail = held.slice(cut);
      // A value whole inside `held` must not be split by the cut (neither half would match), and a value inside the
      // tail is still being held: emit only when redacting the head alone gives the same text as redacting it all.
      if (`${head}${tail}` !== source.redact(held)) return "";
      held = tail;
      return head;
    },
    end() {
      const rest = held;
      held = "";
      return rest.length === 0 ? "" : source.redact(rest);
    },
  };
}
