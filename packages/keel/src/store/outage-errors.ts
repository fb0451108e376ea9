/**
 * Why a store operation failed for reasons of the database's availability rather than of the query:
 * - `connection_refused`: no server answers (ECONNREFUSED, unknown host, unreachable network);
 * - `connection_lost`: an open connection broke (reset, terminated, not queryable);
 * - `server_shutdown`: the server is shutting down, crashed, or not accepting connections yet;
 * - `terminated`: an administrator ended the session (`pg_terminate_backend`);
 * - `canceled`: an administrator canceled the statement (`pg_cancel_backend`);
 * - `too_many_connections`: the server refused a connection past `max_connections`;
 * - `pool_timeout`: no pooled connection was free or could be opened in time;
 * - `busy`: locked by another connection past the busy or lock timeout (SQLite busy, PostgreSQL lock timeout);
 * - `statement_timeout`: the statement ran past PostgreSQL's `statement_timeout`;
 * - `closed`: the store's pool or file was closed (the store stopped).
 *
 * @example
 * ```ts
 * if (error instanceof StoreUnavailableError && error.reason === 'busy') logger.info('lock contention');
 * ```
 */
export type StoreOutageReason =
  | 'connection_refused'
  | 'connection_lost'
  | 'server_shutdown'
  | 'terminated'
  | 'canceled'
  | 'too_many_connections'
  | 'pool_timeout'
  | 'busy'
  | 'statement_timeout'
  | 'closed';

/** A classified outage: `unavailable` (503, try again soon) or `timeout` (504). */
export interface StoreOutage {
  kind: 'unavailable' | 'timeout';
  reason: StoreOutageReason;
}

// Socket and DNS errors Node raises when the server cannot be reached or the link breaks.
const networkCodes: Record<string, StoreOutageReason> = {
  ECONNREFUSED: 'connection_refused',
  ENOTFOUND: 'connection_refused',
  EAI_AGAIN: 'connection_refused',
  EHOSTUNREACH: 'connection_refused',
  ENETUNREACH: 'connection_refused',
  EADDRNOTAVAIL: 'connection_refused',
  ETIMEDOUT: 'connection_refused',
  ECONNRESET: 'connection_lost',
  ECONNABORTED: 'connection_lost',
  EPIPE: 'connection_lost',
};

// PostgreSQL SQLSTATEs of class 57 (operator intervention) and others that say nothing of the query.
const sqlStates: Record<string, StoreOutageReason> = {
  '57P01': 'terminated',
  '57P02': 'server_shutdown',
  '57P03': 'server_shutdown',
  '57P05': 'connection_lost',
  '25P03': 'connection_lost',
  '53300': 'too_many_connections',
  '55P03': 'busy',
};

// pg and pg-pool raise these as plain Errors without a code; their wording is stable across versions.
const driverMessages: [RegExp, StoreOutageReason][] = [
  [/^Connection terminated/, 'connection_lost'],
  [/is not queryable$/, 'connection_lost'],
  [/^timeout exceeded when trying to connect$/, 'pool_timeout'],
  [/^Cannot use a pool after calling end on the pool$/, 'closed'],
  [/^The database connection is not open$/, 'closed'],
  [/^driver has already been destroyed$/, 'closed'],
];

/**
 * Classifies a database error as an outage, or returns `undefined` for errors of the query itself
 * (syntax, constraint violations, ...), which callers branch on and must see unchanged.
 */
export function classifyStoreError(error: unknown): StoreOutage | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code === '57014') return queryCanceled(error.message);
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return unavailable('busy');
    const reason =
      sqlStates[code] ?? networkCodes[code] ?? (/^08[0-9A-Z]{3}$/.test(code) ? 'connection_lost' : undefined);
    if (reason) return unavailable(reason);
  }
  // Node reports a refused dual-stack connect (localhost on IPv4 and IPv6) as an AggregateError.
  if (error instanceof AggregateError) return error.errors.map(classifyStoreError).find(Boolean);
  for (const [pattern, reason] of driverMessages) if (pattern.test(error.message)) return unavailable(reason);
  return undefined;
}

// 57014 is both statement_timeout and pg_cancel_backend; only the message tells them apart.
function queryCanceled(message: string): StoreOutage {
  return /statement timeout/.test(message) ? { kind: 'timeout', reason: 'statement_timeout' } : unavailable('canceled');
}

function unavailable(reason: StoreOutageReason): StoreOutage {
  return { kind: 'unavailable', reason };
}
