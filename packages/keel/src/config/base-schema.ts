import { z } from 'zod';
import { boolVar, intVar, listVar, optionalBoolVar } from './fields.js';

/**
 * The variables every Keel service reads (`NODE_ENV`, `HOST`, `PORT`, `LOG_*`, `SHUTDOWN_*`,
 * `DOCS_ENABLED`, `DATA_DIR`, `DATABASE_*`, `CORS_ORIGINS`, `BODY_LIMIT_BYTES`,
 * `RATE_LIMIT_PER_MINUTE`), each with its default. Extend it with the service's own.
 *
 * @example
 * ```ts
 * const schema = baseConfigSchema.extend({ ADMIN_EMAILS: listVar() });
 * ```
 */
export const baseConfigSchema = z.object({
  /** `development`, `test` or `production`. Default: `development`. */
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** Address the HTTP server binds. Default: `127.0.0.1`. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Port the HTTP server binds; 0 picks a free one. Default: 3000. */
  PORT: intVar(3000, 0, 65535),
  /** pino level. Default: `info`. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Pretty logs: default when stdout is a TTY. */
  LOG_PRETTY: boolVar(process.stdout.isTTY === true),
  /** How long an orderly shutdown may take before remaining work is abandoned. Default: 10000 ms. */
  SHUTDOWN_GRACE_MS: intVar(10_000, 0, 600_000),
  /** Serve normally this long after the signal, readiness already 503, before draining (below the grace). Default: 0 ms. */
  SHUTDOWN_DELAY_MS: intVar(0, 0, 600_000),
  /** Serve the OpenAPI document and UI at `/docs`. Default: on outside production. */
  DOCS_ENABLED: optionalBoolVar(),
  /** Folder for embedded data (the SQLite file). Default: `./data`. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** A `postgres://` URL selects PostgreSQL; unset selects SQLite in `DATA_DIR`. */
  DATABASE_URL: z
    .string()
    .optional()
    .transform((value) => (value === '' ? undefined : value))
    .refine((value) => value === undefined || /^postgres(ql)?:\/\//.test(value), 'must be a postgres:// URL'),
  /** PostgreSQL pool size. Default: 10. */
  DATABASE_POOL_MAX: intVar(10, 1, 1000),
  /** Close pooled connections idle this long. Default: 30000 ms. */
  DATABASE_IDLE_TIMEOUT_MS: intVar(30_000, 0),
  /** Give up connecting after this long. Default: 5000 ms. */
  DATABASE_CONNECT_TIMEOUT_MS: intVar(5_000, 0),
  /** PostgreSQL `statement_timeout`. Default: 30000 ms. */
  DATABASE_STATEMENT_TIMEOUT_MS: intVar(30_000, 0),
  /** SQLite `busy_timeout`: how long a write waits for another process's lock (the process waits too). Default: 5000 ms. */
  DATABASE_BUSY_TIMEOUT_MS: intVar(5_000, 0, 600_000),
  /** Allowed CORS origins, comma-separated; `*` allows all; empty disables CORS. Default: none. */
  CORS_ORIGINS: listVar([]),
  /** Largest accepted request body. Default: 1048576 bytes. */
  BODY_LIMIT_BYTES: intVar(1_048_576, 1),
  /** Requests per minute per client on routes without their own limit. Default: 600. */
  RATE_LIMIT_PER_MINUTE: intVar(600, 1),
});

/**
 * The parsed {@link baseConfigSchema}: what a component that reads only the base variables takes.
 *
 * @example
 * ```ts
 * function listenAddress(config: BaseConfig): string {
 *   return `${config.HOST}:${config.PORT}`;
 * }
 * ```
 */
export type BaseConfig = z.output<typeof baseConfigSchema>;
