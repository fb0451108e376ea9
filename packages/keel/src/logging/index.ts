/**
 * `keel/logging`: pino loggers with credentials redacted everywhere, writing through a buffered
 * synchronous destination that loses nothing at `process.exit`.
 *
 * @example
 * ```ts
 * import { createLogger } from 'keel/logging';
 *
 * const logger = createLogger({ name: 'planner', level: 'info' });
 * logger.child({ requestId: 'r-1' }).info({ headers: { authorization: 'Bearer x' } }, 'hello'); // authorization: "[redacted]"
 * ```
 * @module
 */

import type { DestinationStream, Logger as PinoLogger } from 'pino';

/**
 * Where a logger writes: a pino destination stream (see {@link createLogDestination}).
 *
 * @example
 * ```ts
 * const destination: LogDestination = createLogDestination({ file: '/var/log/planner.log' });
 * ```
 */
export type LogDestination = DestinationStream;

/**
 * A pino logger, as {@link createLogger} makes it and every component receives it.
 *
 * @example
 * ```ts
 * function warnSlow(logger: Logger, ms: number): void {
 *   if (ms > 1000) logger.warn({ ms }, 'slow request');
 * }
 * ```
 */
export type Logger<CustomLevels extends string = never, UseOnlyCustomLevels extends boolean = boolean> = PinoLogger<
  CustomLevels,
  UseOnlyCustomLevels
>;

export { type CreateLoggerOptions, createLogger } from './create-logger.js';
export { createLogDestination, type LogDestinationOptions } from './destination.js';
