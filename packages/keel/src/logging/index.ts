/**
 * `keel/logging`: pino loggers with credentials redacted everywhere.
 * @module
 */
export { createLogger, redactPaths, redactedFields, type CreateLoggerOptions } from './create-logger.js';
export type { Logger } from 'pino';
