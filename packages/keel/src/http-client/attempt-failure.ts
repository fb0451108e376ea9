/** What went wrong with one attempt (`deadline`: the request's own deadline cut it; `aborted`: its caller or the client's stop). */
export type FailureKind = 'status' | 'network' | 'timeout' | 'deadline' | 'too_large' | 'aborted';

// The kinds that tell the origin is failing: what a circuit breaker counts.
const ORIGIN_FAILURES: ReadonlySet<FailureKind> = new Set(['status', 'network', 'timeout', 'deadline']);

/**
 * One attempt failed in a way a retry or a breaker should see: a connection failure, a timeout or
 * a `retryOnStatus` status. Internal: the client turns the last one into an HttpClientError.
 * `transient` and `retryAfterMs` are what keel/resilience's retry reads.
 */
export class AttemptFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    /** Whether sending it again may help and is allowed (the request is replayable). */
    readonly transient: boolean,
    readonly status?: number,
    readonly bodyExcerpt?: string,
    readonly retryAfterMs?: number,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'AttemptFailure';
  }

  /** Whether the origin is to blame (a breaker counts it): not a body too large nor an abort by the caller. */
  get countsAgainstOrigin(): boolean {
    return ORIGIN_FAILURES.has(this.kind);
  }
}

// undici's codes for a connection that failed or closed under a request, and its timeouts.
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** `network`, `timeout` or `undefined` (not a transport failure: a bug, an abort) for an undici error. */
export function transportKind(error: unknown): 'network' | 'timeout' | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  return NETWORK_CODES.has(code) ? 'network' : undefined;
}

/** A short description of a transport error: `ECONNRESET`, `UND_ERR_HEADERS_TIMEOUT (Headers Timeout Error)`. */
export function describeTransport(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return code && message && message !== code ? `${code} (${message})` : (code ?? message ?? String(error));
}

/**
 * The wait a `Retry-After` header asks for, in ms (seconds or an HTTP date), or `undefined`.
 */
export function retryAfterMs(header: string | string[] | undefined, now: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
