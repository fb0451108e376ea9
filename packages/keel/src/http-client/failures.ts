import { isKeelError, UsageError } from '../errors/index.js';
import { AttemptFailure, describeTransport } from './attempt-failure.js';
import type { Call, Exchange } from './call.js';
import {
  EXTERNAL_SERVICE_TIMEOUT,
  EXTERNAL_SERVICE_UNAVAILABLE,
  HttpClientError,
  type HttpClientErrorCode,
  type HttpClientErrorDetails,
} from './errors.js';
import { excerpt } from './read-body.js';

/** The code that fits an origin's status: 503 for 503 and 429, 504 for 504, else 502. */
function codeOfStatus(status: number): HttpClientErrorCode {
  if (status === 503 || status === 429) return EXTERNAL_SERVICE_UNAVAILABLE;
  return status === 504 ? EXTERNAL_SERVICE_TIMEOUT : 'external_service';
}

function details(call: Call, status?: number, body?: string): HttpClientErrorDetails {
  return {
    origin: call.origin.origin,
    method: call.method,
    path: call.errorPath,
    ...(status === undefined ? {} : { upstreamStatus: status }),
    ...(body === undefined ? {} : { bodyExcerpt: body }),
    retried: call.attempts > 1,
    attempts: call.attempts,
  };
}

function attemptsNote(call: Call): string {
  return call.attempts > 1 ? ` after ${call.attempts} attempts` : '';
}

// Why a failure that could have been retried was not: a retry is never skipped silently.
function notRetriedNote(call: Call): string {
  if (call.attempts > 1 || call.retryable) return '';
  if (call.streamed) return ' (not retried: the body is a stream)';
  return call.replayable ? '' : ` (not retried: a ${call.method} without an idempotency key)`;
}

/** The error of a response whose status is 400 or more (the caller did not ask for it back). */
export function statusFailure(call: Call, exchange: Exchange): HttpClientError {
  return new HttpClientError(
    codeOfStatus(exchange.status),
    `answered ${exchange.status}${attemptsNote(call)}`,
    details(call, exchange.status, excerpt(exchange.body)),
  );
}

/**
 * The error a failed call rejects with: the caller's abort reason when the caller aborted, else
 * an {@link HttpClientError} of the fitting code, the underlying error as its cause.
 */
export function callFailure(call: Call, error: unknown): unknown {
  if (call.ended === 'caller') return call.signal?.reason ?? error;
  const last = error instanceof AttemptFailure ? error : undefined;
  const known = details(call, last?.status, last?.bodyExcerpt);
  const cause = { cause: last?.cause ?? error };
  if (call.ended === 'deadline') {
    const within = `no answer within its deadline of ${call.timeoutMs} ms${attemptsNote(call)}`;
    return new HttpClientError(EXTERNAL_SERVICE_TIMEOUT, within, known, cause);
  }
  if (call.ended === 'stopped') {
    return new HttpClientError(EXTERNAL_SERVICE_UNAVAILABLE, 'abandoned: the HTTP client stopped', known, cause);
  }
  if (last !== undefined) return attemptFailure(call, last, known);
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'UND_ERR_INVALID_ARG') return new UsageError(`http client: ${(error as Error).message}`, cause);
  // A policy refused the call before it was sent: an open circuit, a full bulkhead, a policy timeout.
  if (isKeelError(error) && (error.status === 503 || error.status === 504)) {
    const refused = error.status === 503 ? EXTERNAL_SERVICE_UNAVAILABLE : EXTERNAL_SERVICE_TIMEOUT;
    return new HttpClientError(refused, `${error.message}${attemptsNote(call)}`, known, cause);
  }
  return new HttpClientError('external_service', `failed: ${(error as Error)?.message ?? String(error)}`, known, cause);
}

function attemptFailure(call: Call, last: AttemptFailure, known: HttpClientErrorDetails): HttpClientError {
  const cause = { cause: last.cause ?? last };
  const note = attemptsNote(call) + notRetriedNote(call);
  switch (last.kind) {
    case 'status': {
      const wait = last.retryAfterMs;
      const cap = call.origin.maxRetryAfterMs;
      let passes = '';
      if (wait !== undefined && call.retryable && cap !== undefined && wait > cap)
        passes = `; its Retry-After of ${wait} ms is over the cap of ${cap} ms`;
      else if (wait !== undefined && call.retryable && Date.now() + wait > call.deadlineAt)
        passes = `; its Retry-After of ${wait} ms passes the deadline`;
      return new HttpClientError(codeOfStatus(last.status!), `answered ${last.status}${note}${passes}`, known);
    }
    case 'timeout':
      return new HttpClientError(EXTERNAL_SERVICE_TIMEOUT, `${describeTransport(last.cause)}${note}`, known, cause);
    case 'too_large':
      return new HttpClientError('external_service', last.message, known);
    default:
      return new HttpClientError(
        'external_service',
        `connection failed: ${describeTransport(last.cause)}${note}`,
        known,
        cause,
      );
  }
}
