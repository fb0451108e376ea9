/**
 * `keel/logging`: pino loggers with credentials redacted everywhere.
 * @module
 */

export type { Logger } from 'pino';
export { type CreateLoggerOptions, createLogger, redactedFields, redactPaths } from './create-logger.js';
