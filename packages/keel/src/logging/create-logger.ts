import { createRequire } from 'node:module';
import {
  type Bindings,
  type ChildLoggerOptions,
  type DestinationStream,
  type Logger,
  type LoggerOptions,
  pino,
} from 'pino';
import type pinoPretty from 'pino-pretty';
import { createLogDestination } from './destination.js';
import { createRedactor, redactedFields } from './redact.js';

/**
 * Options of {@link createLogger}.
 *
 * @example
 * ```ts
 * const options: CreateLoggerOptions = { level: 'debug', name: 'planner', redact: ['ssn'] };
 * ```
 */
export interface CreateLoggerOptions {
  /** `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`. Default: `info`. */
  level?: string;
  /** Human-readable output through pino-pretty (coloured on a TTY), to `destination` when given. Default: `false`. */
  pretty?: boolean;
  /** Name stamped on every line. Default: none. */
  name?: string;
  /** Where lines go. Default: stdout, through {@link createLogDestination}. */
  destination?: DestinationStream;
  /** More field names to redact, besides the built-in ones (see {@link createLogger}). Default: none. */
  redact?: string[];
}

/**
 * A pino JSON logger (pretty in a TTY when asked) that redacts credentials everywhere: in every
 * line's fields, a child's bindings and a logged error's own fields, at any depth, the value of any
 * field named `authorization`, `cookie`, `set-cookie`, `password`, `token`, `accessToken`,
 * `refreshToken` or `secret`, or ending in `password`, `passwd`, `passphrase`, `token`, `secret`,
 * `authorization`, `cookie`, `apiKey` or `privateKey` (plurals too), in any letter case and ignoring
 * `-` and `_` (`Proxy-Authorization`, `x-api-key`, `client_secret`), becomes `[redacted]`. The
 * caller's objects are never changed.
 *
 * @example
 * ```ts
 * const logger = createLogger({ level: 'info', name: 'planner' });
 * logger.info({ password: 'x' }, 'never shows the password');
 * ```
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const redact = createRedactor([...redactedFields, ...(options.redact ?? [])]);
  const redactedError = (error: unknown): unknown => redact(pino.stdSerializers.err(error as Error));
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    // A copy-on-write walk instead of pino's path-based redact: any depth, any letter case, and a
    // flat request line costs a few key checks instead of dozens of wildcard paths.
    formatters: { log: redact, bindings: redact },
    // Serializers run after `formatters.log`, so what they make of an error is redacted here.
    serializers: { err: redactedError, error: redactedError },
    ...(options.name === undefined ? {} : { name: options.name }),
  };
  return redactingChildren(pino(config, destinationOf(options)), redact);
}

function destinationOf(options: CreateLoggerOptions): DestinationStream {
  if (options.pretty) {
    // In-process and synchronous (no transport worker), so the last lines before process.exit are kept.
    const destination = options.destination ?? 1;
    const colorize = destination === 1 && process.stdout.isTTY === true;
    // Loaded only when asked for: JSON logging (production, tests) never loads the pretty printer.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof pinoPretty;
    return pretty({ colorize, destination, sync: true });
  }
  return options.destination ?? createLogDestination();
}

// pino formats a child's bindings without `formatters.bindings` (that one is the root's only), so the
// root's `child` redacts them first; children inherit it, grandchildren too.
function redactingChildren(logger: Logger, redact: <T>(value: T) => T): Logger {
  type Child = (this: Logger, bindings: Bindings, options?: ChildLoggerOptions) => Logger;
  const child = logger.child as unknown as Child;
  const redactedChild: Child = function (this: Logger, bindings, options) {
    return child.call(this, redact(bindings), options);
  };
  logger.child = redactedChild as unknown as Logger['child'];
  return logger;
}
