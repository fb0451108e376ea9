import { isKeelError } from '../errors/index.js';

// Node's and undici's codes of a connection that failed or a socket that timed out.
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  // PostgreSQL: serialization failure, deadlock, too many connections, shutting down, cannot connect now.
  '40001',
  '40P01',
  '53300',
  '57P01',
  '57P03',
]);
const TRANSIENT_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);
// A bug in the code, not the dependency: sending it again gives the same error.
const BUG_TYPES = [TypeError, RangeError, SyntaxError, ReferenceError];

/**
 * Keel's default idea of a failure worth retrying. In order:
 * - an abort (`AbortError`, the caller gave up), a bug (`TypeError`, `RangeError`, `SyntaxError`,
 *   `ReferenceError`), an open circuit (`circuit_open`) or a rate limit's refusal: never;
 * - an error with a boolean `transient` property: that property;
 * - a `KeelError`: only 503 and 504 (a 4xx or 500 comes back the same);
 * - a numeric `status` or `statusCode`: 408, 425, 429, 500, 502, 503, 504;
 * - a `code` of a failed connection (`ECONNRESET`, `ETIMEDOUT`, undici's socket and timeout codes,
 *   PostgreSQL's serialization failure and deadlock): yes;
 * - any other `Error`: yes (an unknown failure of a dependency);
 * - a thrown non-Error: no.
 *
 * @example
 * ```ts
 * const policy = retry({ isTransient: (error) => isTransientError(error) && !(error instanceof QuotaError) });
 * ```
 */
export function isTransientError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'AbortError') return false;
  const marked = (error as { transient?: unknown }).transient;
  if (typeof marked === 'boolean') return marked;
  if (isKeelError(error)) {
    if (error.code === 'circuit_open' || error.code === 'rate_limit_exceeded') return false;
    return error.status === 503 || error.status === 504;
  }
  if (BUG_TYPES.some((type) => error instanceof type)) return false;
  const { status, statusCode, code } = error as { status?: unknown; statusCode?: unknown; code?: unknown };
  const httpStatus = typeof status === 'number' ? status : typeof statusCode === 'number' ? statusCode : undefined;
  if (httpStatus !== undefined) return TRANSIENT_STATUSES.has(httpStatus);
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  return true;
}
