import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import type pinoPretty from 'pino-pretty';
import { createLogDestination } from './destination.js';
import { createRedactor, redactedFields } from './redact.js';

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Default: `info`. */
  level?: string;
  /** Human-readable output through pino-pretty (coloured on a TTY), to `destination` when given. Default: `false`. */
  pretty?: boolean;
  /** Name stamped on every line. Default: none. */
  name?: string;
  /** Where lines go. Default: stdout, through {@link createLogDestination}. */
  destination?: DestinationStream;
  /** More field names to redact. Default: none. */
  redact?: string[];
}

/**
 * A pino JSON logger (pretty in a TTY when asked) that redacts credentials everywhere.
 *
 * @example
 * ```ts
 * const logger = createLogger({ level: 'info', name: 'planner' });
 * logger.info({ password: 'x' }, 'never shows the password');
 * ```
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    // A copy-on-write walk instead of pino's path-based redact: any depth, any letter case, and a
    // flat request line costs a few key checks instead of dozens of wildcard paths.
    formatters: { log: createRedactor([...redactedFields, ...(options.redact ?? [])]) },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    ...(options.name === undefined ? {} : { name: options.name }),
  };
  if (options.pretty) {
    // In-process and synchronous (no transport worker), so the last lines before process.exit are kept.
    const destination = options.destination ?? 1;
    const colorize = destination === 1 && process.stdout.isTTY === true;
    // Loaded only when asked for: JSON logging (production, tests) never loads the pretty printer.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof pinoPretty;
    return pino(config, pretty({ colorize, destination, sync: true }));
  }
  if (options.destination) return pino(config, options.destination);
  return pino(config, createLogDestination());
}
