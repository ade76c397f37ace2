// Structured JSON logs (pino). Every serialized line passes through the Redactor before it is written, so a secret
// that reaches a log call by mistake is still hidden. The logger is built by the composition root and passed down.
import { pino } from "pino";
import type { Redactor } from "./redactor.js";

export type Logger = pino.Logger;
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

export interface LoggerOptions {
  level: LogLevel;
  redactor: Redactor;
  /** A file descriptor or path to write to; default stdout. Writes are synchronous so a crash loses no line. */
  destination?: number | string;
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = pino.destination({ dest: options.destination ?? 1, sync: true, mkdir: true });
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: { streamWrite: (line) => options.redactor.redact(line) },
    },
    destination,
  );
}
