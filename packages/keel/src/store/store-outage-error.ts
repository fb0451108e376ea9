import { TimeoutError, UnavailableError } from '../errors/index.js';
import type { StoreOutage, StoreOutageReason } from './outage-errors.js';

// Client-safe wording: the server's own text (and any SQL) stays in `cause`, which is logged, never sent.
const messages: Record<StoreOutageReason, string> = {
  connection_refused: 'The database cannot be reached; try again shortly',
  connection_lost: 'The connection to the database was lost; try again shortly',
  server_shutdown: 'The database is restarting; try again shortly',
  terminated: 'The database ended the operation; try again shortly',
  canceled: 'The database canceled the operation; try again shortly',
  too_many_connections: 'The database has no connection to spare; try again shortly',
  pool_timeout: 'No database connection was free in time; try again shortly',
  busy: 'The database is busy; try again shortly',
  statement_timeout: 'The database did not answer in time',
  closed: 'The database is closed; the service is stopping',
};

/**
 * The store could not serve: the database is down, restarting, unreachable or locked (HTTP 503 with
 * `Retry-After`). `reason` says which, for metrics and retries; `cause` keeps the driver's error.
 *
 * @example
 * ```ts
 * if (error instanceof StoreUnavailableError && error.reason === 'busy') reportLockContention();
 * ```
 */
export class StoreUnavailableError extends UnavailableError {
  readonly reason: StoreOutageReason;
  constructor(reason: StoreOutageReason, options: { cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(messages[reason], options);
    this.reason = reason;
  }
}

/**
 * A store statement ran past the database's `statement_timeout` (HTTP 504). Not retried for free by
 * the job queue: the slow query may be the job's own.
 *
 * @example
 * ```ts
 * if (error instanceof StoreTimeoutError) logger.warn({ err: error }, 'report query too slow');
 * ```
 */
export class StoreTimeoutError extends TimeoutError {
  readonly reason: StoreOutageReason;
  constructor(reason: StoreOutageReason, options: { cause?: unknown } = {}) {
    super(messages[reason], options);
    this.reason = reason;
  }
}

/** The typed error a classified outage is thrown as. */
export function storeOutageError(outage: StoreOutage, cause: unknown): StoreUnavailableError | StoreTimeoutError {
  return outage.kind === 'timeout'
    ? new StoreTimeoutError(outage.reason, { cause })
    : new StoreUnavailableError(outage.reason, { cause });
}

/**
 * True when `error`, or an error in its `cause` chain, is a {@link StoreUnavailableError} (also
 * across duplicated module copies): the work may succeed unchanged once the database is back.
 *
 * @example
 * ```ts
 * try { await store.db.insertInto('events').values(row).execute(); }
 * catch (error) { if (isStoreUnavailable(error)) return queueForLater(row); throw error; }
 * ```
 */
export function isStoreUnavailable(error: unknown): boolean {
  let current = error;
  // A few levels: handlers wrap errors, but a cause chain is never a reason to loop long.
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if (current instanceof StoreUnavailableError || current.name === 'StoreUnavailableError') return true;
    current = current.cause;
  }
  return false;
}
