import type { Logger } from 'pino';
import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import { MetricsRegistry } from '../metrics/index.js';
import {
  type BulkheadOptions,
  type CircuitBreakerOptions,
  ResilienceRegistry,
  type RetryOptions,
} from '../resilience/index.js';

/**
 * Credentials a client sends with every request: a bearer token (a string, or a function asked
 * before each request, for tokens that rotate), HTTP basic, or one header of your choosing.
 *
 * @example
 * ```ts
 * const auth: HttpClientAuth = { bearer: () => tokens.current() };
 * ```
 */
export type HttpClientAuth =
  | { bearer: string | (() => string | Promise<string>) }
  | { basic: { username: string; password: string } }
  | { header: string; value: string };

/**
 * Options of keel/resilience's `retry`, as a client passes them on (the client names the policy
 * and decides which failures are transient).
 *
 * @example
 * ```ts
 * const retry: HttpClientRetryOptions = { maxRetries: 2, baseDelayMs: 200, maxRetryAfterMs: 10_000 };
 * ```
 */
export type HttpClientRetryOptions = Omit<RetryOptions, 'name' | 'isTransient'>;

/**
 * Options of keel/resilience's `circuitBreaker`, as a client passes them on (the client names the
 * breaker and decides which failures count).
 *
 * @example
 * ```ts
 * const breaker: HttpClientBreakerOptions = { breaker: { kind: 'consecutive', failures: 5 }, halfOpenAfterMs: 30_000 };
 * ```
 */
export type HttpClientBreakerOptions = Omit<CircuitBreakerOptions, 'name' | 'isFailure'>;

/**
 * Options of keel/resilience's `bulkhead`, as a client passes them on (the client names it).
 *
 * @example
 * ```ts
 * const bulkhead: HttpClientBulkheadOptions = { limit: 4, queue: 20 };
 * ```
 */
export type HttpClientBulkheadOptions = Omit<BulkheadOptions, 'name'>;

/**
 * Options of {@link createHttpClient}.
 *
 * @example
 * ```ts
 * const options: HttpClientOptions = {
 *   name: 'payments',
 *   baseUrl: 'https://api.payments.example/v1/',
 *   auth: { bearer: process.env.PAYMENTS_TOKEN! },
 *   timeoutMs: 5000,
 *   retry: { maxRetries: 2 },
 * };
 * ```
 */
export interface HttpClientOptions {
  /**
   * The component's name, also the `client` label of its metrics: 1-128 letters, digits or `._:-`.
   * @defaultValue `http-client`
   */
  name?: string;
  /**
   * An `http:` or `https:` URL that relative paths resolve against (`/users` under
   * `https://api.example/v1/` is `https://api.example/v1/users`). Absolute URLs may still be asked.
   * @defaultValue none: every request names an absolute URL
   */
  baseUrl?: string;
  /** Headers sent with every request; a request's own headers override them. @defaultValue none */
  headers?: Record<string, string>;
  /** Credentials sent with every request (as `authorization`, or the header named). @defaultValue none */
  auth?: HttpClientAuth;
  /** Most connections open to one origin at once; more requests wait in the pool's queue. @defaultValue 10 */
  connections?: number;
  /** How long an idle kept-alive connection stays open (the server's own hint may shorten it). @defaultValue 4000 */
  keepAliveTimeoutMs?: number;
  /** Most time to open a connection (TCP and TLS). @defaultValue 5000 */
  connectTimeoutMs?: number;
  /** Most time from sending a request to its response headers. @defaultValue 10000 */
  headersTimeoutMs?: number;
  /** Most time between two chunks of a response body. @defaultValue 10000 */
  bodyTimeoutMs?: number;
  /**
   * The deadline of a whole request, retries and their waits included: past it the request is
   * aborted (its connection closed) and fails with `external_service_timeout`. A request may set its own.
   * @defaultValue 30000
   */
  timeoutMs?: number;
  /** The largest response body read; a larger one fails the request (502). @defaultValue 10485760 (10 MiB) */
  maxResponseBytes?: number;
  /**
   * Retries of failed attempts (keel/resilience `retry`, one policy per origin), or `false` for none.
   * Only idempotent methods are retried (GET, HEAD, OPTIONS, TRACE, PUT, DELETE), and POST or PATCH
   * only with an idempotency key; a streamed body never. Retried: connection failures, timeouts and
   * the statuses of `retryOnStatus`. A `Retry-After` is waited for (at least) when it is within the
   * retry's `maxRetryAfterMs`; a longer one, or one past the request's deadline, fails at once.
   * @defaultValue `{}` (keel/resilience's defaults: 3 retries, from 100 ms, jittered)
   */
  retry?: HttpClientRetryOptions | false;
  /** Statuses that count as a failed attempt (retried, and counted by the breaker). @defaultValue [408, 429, 500, 502, 503, 504] */
  retryOnStatus?: readonly number[];
  /**
   * A circuit breaker per origin (keel/resilience `circuitBreaker`), or `false` for none. It counts
   * failed attempts (connection failures, timeouts, `retryOnStatus` statuses), never a 4xx.
   * @defaultValue `{}` (keel/resilience's defaults)
   */
  circuitBreaker?: HttpClientBreakerOptions | false;
  /** A bulkhead per origin (keel/resilience `bulkhead`), or `false` for none. @defaultValue false */
  bulkhead?: HttpClientBulkheadOptions | false;
  /**
   * The service's resilience registry (a feature's `resilience`, or `app.resilience`): the client's
   * policies join it, named `<client name>:<host>` per origin, so their events reach
   * `keel_resilience_*` metrics and the logs, its breakers show in `/admin/resilience` and readiness
   * (`critical` breakers make it down), and `shared: true` breakers share their state through the
   * registry's store. Two clients of one registry need different names.
   * @defaultValue none: the policies work, reporting nowhere
   */
  resilience?: ResilienceRegistry;
  /**
   * Rewrites a request's path (query included) before it reaches a log line or an error: for APIs
   * that put a credential in the path (`/bot<token>/sendMessage`). Query parameters named like a
   * credential are redacted anyway.
   * @defaultValue none
   */
  redactPath?: (path: string) => string;
  /** Where to count requests; a service's registry is used when the client starts as its component. @defaultValue none */
  metrics?: MetricsRegistry;
  /** Where to log; a service's logger is used when the client starts as its component. @defaultValue none */
  logger?: Logger;
}

const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be a header name');
const headerValue = z.string().refine((v) => !/[\r\n\0]/.test(v), 'must not contain CR, LF or NUL');
// Checked in full by keel/resilience when the client makes the policies (at creation).
const policyOptions = <T>() =>
  z.union([
    z.literal(false),
    z.custom<T>(
      (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
      'must be an object of options, or false',
    ),
  ]);

const optionsSchema = z.object({
  name: option.name().default('http-client'),
  baseUrl: z
    .string()
    .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'must be an http: or https: URL')
    .optional(),
  headers: z.record(headerName, headerValue).default({}),
  auth: z
    .union([
      z.object({ bearer: z.union([headerValue, option.fn<() => string | Promise<string>>()]) }).strict(),
      z.object({ basic: z.object({ username: z.string(), password: z.string() }) }).strict(),
      z.object({ header: headerName, value: headerValue }).strict(),
    ])
    .optional(),
  connections: option.count().default(10),
  keepAliveTimeoutMs: option.positiveDurationMs().default(4000),
  connectTimeoutMs: option.positiveDurationMs().default(5000),
  headersTimeoutMs: option.positiveDurationMs().default(10_000),
  bodyTimeoutMs: option.positiveDurationMs().default(10_000),
  timeoutMs: option.positiveDurationMs().default(30_000),
  maxResponseBytes: option.count().default(10 * 1024 * 1024),
  retry: policyOptions<HttpClientRetryOptions>().default({}),
  retryOnStatus: z.array(z.number().int().min(100).max(599)).default([408, 429, 500, 502, 503, 504]),
  circuitBreaker: policyOptions<HttpClientBreakerOptions>().default({}),
  bulkhead: policyOptions<HttpClientBulkheadOptions>().default(false),
  resilience: option.instance(ResilienceRegistry, 'a ResilienceRegistry').optional(),
  redactPath: option.fn<(path: string) => string>().optional(),
  metrics: option.instance(MetricsRegistry, 'a MetricsRegistry').optional(),
  logger: z
    .custom<Logger>((v) => typeof (v as Logger | null)?.child === 'function', 'must be a pino logger')
    .optional(),
});

/** The options with every default applied. */
export type ResolvedHttpClientOptions = z.output<typeof optionsSchema>;

/** Checks a client's options once, at creation: never per request. */
export function resolveHttpClientOptions(options: HttpClientOptions | undefined): ResolvedHttpClientOptions {
  return checkOptions('createHttpClient', optionsSchema, options);
}
