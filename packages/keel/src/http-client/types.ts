import type { Readable } from 'node:stream';

/** A query parameter's value; `undefined` leaves the parameter out, an array repeats it. */
export type QueryValue = string | number | boolean | undefined | readonly (string | number | boolean)[];

/**
 * One request of an {@link HttpClient}.
 *
 * @example
 * ```ts
 * const request: HttpRequest = { method: 'POST', path: '/charges', json: { amount: 500 }, idempotencyKey: order.id };
 * ```
 */
export interface HttpRequest {
  /** The method, in capitals. @defaultValue `GET` */
  method?: string;
  /** A path resolved against the client's `baseUrl` (`/users/7`, `users/7`), or an absolute URL. */
  path: string;
  /** Query parameters, appended to the path. @defaultValue none */
  query?: Record<string, QueryValue>;
  /** Headers of this request, over the client's. @defaultValue none */
  headers?: Record<string, string>;
  /**
   * The body: a string or bytes (replayable, so retried like the method allows), or a stream
   * (never sent twice: a failed attempt fails the request). @defaultValue none
   */
  body?: string | Uint8Array | Readable;
  /** A value sent as JSON (`content-type: application/json`), instead of `body`. @defaultValue none */
  json?: unknown;
  /**
   * Sent as the `Idempotency-Key` header; it makes a POST or PATCH retryable (the origin must
   * honour the key). @defaultValue none
   */
  idempotencyKey?: string;
  /** Aborts the request and any wait between its attempts; the request then rejects with the signal's reason. @defaultValue none */
  signal?: AbortSignal;
  /** The deadline of this request, retries included. @defaultValue the client's `timeoutMs` */
  timeoutMs?: number;
  /** `false` sends it once whatever the method (the keep-alive race excepted). @defaultValue true */
  retry?: boolean;
  /** `false` returns a 4xx or 5xx response instead of throwing an HttpClientError. @defaultValue true */
  throwOnStatus?: boolean;
}

/**
 * A response, its body read in full.
 *
 * @example
 * ```ts
 * const response: HttpResponse = await client.request({ path: '/health' });
 * if (response.status === 204) return;
 * ```
 */
export interface HttpResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Times the request was sent. */
  attempts: number;
  /** The body as UTF-8 text. */
  text(): string;
  /** The body parsed as JSON (throws an HttpClientError, 502, when it is not JSON). */
  json(): unknown;
}

/**
 * Options of one JSON call ({@link HttpClient.getJson} and its siblings): a request without its
 * method, path and body.
 *
 * @example
 * ```ts
 * const options: JsonCallOptions = { query: { page: 2 }, timeoutMs: 2000 };
 * ```
 */
export type JsonCallOptions = Omit<HttpRequest, 'method' | 'path' | 'body' | 'json'>;

/**
 * Options of {@link HttpClient.healthCheck}.
 *
 * @example
 * ```ts
 * app.health.register(payments.healthCheck({ path: '/ping', critical: false }));
 * ```
 */
export interface HttpHealthCheckOptions {
  /** The check's name. @defaultValue the client's name */
  name?: string;
  /** What to GET: it passes when the origin answers below 500. @defaultValue `/` */
  path?: string;
  /** A failure makes readiness 503 rather than `degraded`. @defaultValue false */
  critical?: boolean;
  /** Past this the check fails. @defaultValue 2000 */
  timeoutMs?: number;
}
