// Public API of the log domain.
export { createLogger, type Logger, type LoggerOptions, type LogLevel } from "./logger.js";
export { type Redactor, ValueRedactor } from "./redactor.js";
