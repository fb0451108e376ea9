import { defineErrorCode, ExternalServiceError, type KeelErrorOptions } from '../errors/index.js';

declare module '../errors/index.js' {
  interface ErrorCodes {
    /** An external service is unavailable: it answered 503 or 429, its circuit is open or its bulkhead full. */
    external_service_unavailable: true;
    /** A call to an external service ran past its deadline or one of its timeouts. */
    external_service_timeout: true;
  }
}

/** The code of an {@link HttpClientError} for an origin that cannot serve now (503). */
export const EXTERNAL_SERVICE_UNAVAILABLE = defineErrorCode('external_service_unavailable', {
  status: 503,
  title: 'External service unavailable',
});
/** The code of an {@link HttpClientError} for a call that ran out of time (504). */
export const EXTERNAL_SERVICE_TIMEOUT = defineErrorCode('external_service_timeout', {
  status: 504,
  title: 'External service timed out',
});

/**
 * What an {@link HttpClientError} knows about the failed call.
 *
 * @example
 * ```ts
 * const details: HttpClientErrorDetails = { origin: 'https://api.example.com', method: 'GET', path: '/v1/users/7', retried: false, attempts: 1 };
 * ```
 */
export interface HttpClientErrorDetails {
  /** The origin called, e.g. `https://api.example.com`. */
  origin: string;
  /** The request's method. */
  method: string;
  /** The request's path, without its query (which may hold credentials). */
  path: string;
  /** The last status the origin answered, if it answered. */
  upstreamStatus?: number;
  /** The first 256 characters of the last response body, if there was one. */
  bodyExcerpt?: string;
  /** Whether the request was sent more than once. */
  retried: boolean;
  /** How many times it was sent (0 when nothing was sent, e.g. an open circuit). */
  attempts: number;
}

/** Which stable code fits a failure: 502 `external_service`, 503 or 504 (see {@link HttpClientError}). */
export type HttpClientErrorCode = 'external_service' | 'external_service_unavailable' | 'external_service_timeout';

/**
 * A call through an HTTP client failed: an {@link ExternalServiceError} (catch either) with the
 * origin, method, status, a body excerpt and whether it was retried. Code `external_service` (502: the origin answered an error
 * status or a body that does not match its schema, or the connection failed),
 * `external_service_unavailable` (503: the origin answered 503 or 429, its circuit is open, its
 * bulkhead is full or the client is stopping) or `external_service_timeout` (504: the deadline or a
 * connect, headers or body timeout passed, or the origin answered 504). The message names the
 * method, origin and path, never the query or headers.
 *
 * @example
 * ```ts
 * try {
 *   return await users.getJson(`/users/${id}`, User);
 * } catch (error) {
 *   if (error instanceof HttpClientError && error.upstreamStatus === 404) return null;
 *   throw error;
 * }
 * ```
 */
export class HttpClientError extends ExternalServiceError {
  /** The origin called. */
  readonly origin: string;
  /** The request's method. */
  readonly method: string;
  /** The request's path, without its query. */
  readonly path: string;
  /** The last status the origin answered, `undefined` when it never answered. */
  readonly upstreamStatus: number | undefined;
  /** The first 256 characters of the last response body. */
  readonly bodyExcerpt: string | undefined;
  /** Whether the request was sent more than once. */
  readonly retried: boolean;
  /** How many times the request was sent. */
  readonly attempts: number;

  constructor(code: HttpClientErrorCode, message: string, details: HttpClientErrorDetails, options?: KeelErrorOptions) {
    super(`${details.method} ${details.origin}${details.path}: ${message}`, options, code);
    this.origin = details.origin;
    this.method = details.method;
    this.path = details.path;
    // `status` stays the KeelError's (what this service answers); the origin's is upstreamStatus.
    this.upstreamStatus = details.upstreamStatus;
    this.bodyExcerpt = details.bodyExcerpt;
    this.retried = details.retried;
    this.attempts = details.attempts;
  }
}
