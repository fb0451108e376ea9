/**
 * `keel/logging`: pino loggers with credentials redacted everywhere.
 * @module
 */

/** Where a logger writes (a pino destination stream). */
export type { DestinationStream as LogDestination, Logger } from 'pino';
export { type CreateLoggerOptions, createLogger } from './create-logger.js';
export { createLogDestination, type LogDestinationOptions } from './destination.js';
export { CENSOR, createRedactor, redactedFields } from './redact.js';
