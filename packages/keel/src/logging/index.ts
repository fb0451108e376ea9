/**
 * `keel/logging`: pino loggers with credentials redacted everywhere.
 * @module
 */

export type { Logger } from 'pino';
export { type CreateLoggerOptions, createLogger, redactedFields, redactPaths } from './create-logger.js';
/** Where a logger writes (a pino destination stream). */
export type { DestinationStream as LogDestination } from 'pino';
