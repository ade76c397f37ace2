// Structured logs: one JSON object a line, in the shape log tools already read (pino's: a numeric `level`, an ISO
// `time`, `pid`, the fields, then `msg`). Every line passes through the Redactor before it is written, so a secret that
// reaches a log call by mistake is still hidden. Writes are synchronous, so a crash loses no line. Small on purpose:
// the daemon logs a few lines a minute, and a logging library was the largest piece of code loaded at start-up.
// The logger is built by the composition root and passed down.
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { Redactor } from "./redactor.js";

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

type Fields = Record<string, unknown>;

export interface LogFn {
  (msg: string): void;
  (fields: Fields, msg?: string): void;
}

export interface Logger {
  readonly level: LogLevel;
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  /** A logger that adds `bindings` to every line. */
  child(bindings: Fields): Logger;
  /** Close the file it writes to, if it opened one. */
  close(): void;
}

export interface LoggerOptions {
  level: LogLevel;
  redactor: Redactor;
  /** A file descriptor or path to write to (appended, 0600, folder made); default stdout. */
  destination?: number | string;
}

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Number.POSITIVE_INFINITY };

export function createLogger(options: LoggerOptions): Logger {
  const dest = options.destination ?? 1;
  let fd: number;
  if (typeof dest === "number") fd = dest;
  else {
    mkdirSync(dirname(dest), { recursive: true, mode: 0o700 });
    fd = openSync(dest, "a", 0o600);
  }
  const write = (line: string) => {
    try {
      writeSync(fd, options.redactor.redact(line));
    } catch {
      // Why swallow: a closed stdout (a pipe whose reader left) or a full disk must not take the daemon down with it.
    }
  };
  const close = () => {
    if (typeof dest !== "number") closeSync(fd);
  };
  return make(options.level, LEVELS[options.level], "", write, close);
}

function make(level: LogLevel, threshold: number, bound: string, write: (line: string) => void, close: () => void) {
  const at = (name: Exclude<LogLevel, "silent">): LogFn => {
    const n = LEVELS[name];
    if (n < threshold) return () => {};
    const head = `{"level":${n},"time":"`;
    return (first: Fields | string, msg?: string) => {
      const fields = typeof first === "string" ? undefined : first;
      const text = typeof first === "string" ? first : msg;
      let line = `${head}${new Date().toISOString()}","pid":${process.pid}${bound}`;
      if (fields) line += members(fields);
      if (text !== undefined) line += `,"msg":${JSON.stringify(text)}`;
      write(`${line}}\n`);
    };
  };
  const logger: Logger = {
    level,
    trace: at("trace"),
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    fatal: at("fatal"),
    child: (bindings) => make(level, threshold, bound + members(bindings), write, close),
    close,
  };
  return logger;
}

/** `,"key":value` for each field whose value JSON can carry; errors become {type, message, code, stack}. */
function members(fields: Fields): string {
  let out = "";
  for (const [key, value] of Object.entries(fields)) {
    const json = stringify(value);
    if (json !== undefined) out += `,${JSON.stringify(key)}:${json}`;
  }
  return out;
}

function stringify(value: unknown): string | undefined {
  const ancestors: object[] = [];
  return JSON.stringify(value, function (this: unknown, _key, v: unknown) {
    if (typeof v === "bigint") return v.toString();
    if (v === null || typeof v !== "object") return v;
    // A cycle is cut where it closes; the same object twice side by side is written twice.
    while (ancestors.length > 0 && ancestors.at(-1) !== this) ancestors.pop();
    if (ancestors.includes(v)) return "[Circular]";
    ancestors.push(v);
    if (!(v instanceof Error)) return v;
    const plain = serializeError(v);
    ancestors.push(plain); // its fields are visited with it as the holder
    return plain;
  });
}

function serializeError(e: Error): Fields {
  const code = (e as { code?: unknown }).code;
  return {
    type: e.name,
    message: e.message,
    ...(code !== undefined ? { code } : {}),
    stack: e.stack,
    ...(e.cause !== undefined ? { cause: e.cause } : {}),
  };
}
