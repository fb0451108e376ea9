/**
 * `keel/http-client`: an HTTP client on undici's own Pool (never the global fetch), one pool per
 * origin, with deadlines, safe retries, a circuit breaker and bulkhead per origin (keel/resilience),
 * JSON helpers validated with zod, typed errors, `keel_http_client_*` metrics and redacted logs. A
 * client is a Component: a feature lists it in `components` (the service starts and stops it) and
 * may register its `healthCheck()` in `health`.
 *
 * @example
 * ```ts
 * import { createHttpClient } from 'keel/http-client';
 *
 * export const places = defineFeature({
 *   name: 'places',
 *   setup: (app) => {
 *     const geo = createHttpClient({ name: 'geo', baseUrl: 'https://geo.example/v2/', timeoutMs: 3000, resilience: app.resilience });
 *     return { components: [geo], health: [geo.healthCheck({ path: '/ping' })], exports: geo };
 *   },
 * });
 * const city = await geo.getJson('/cities/lyon', z.object({ name: z.string(), population: z.number() }));
 * ```
 * @module
 */
// Every HttpClientError is one: `catch` either.
export { ExternalServiceError } from '../errors/index.js';
export {
  EXTERNAL_SERVICE_TIMEOUT,
  EXTERNAL_SERVICE_UNAVAILABLE,
  HttpClientError,
  type HttpClientErrorCode,
  type HttpClientErrorDetails,
} from './errors.js';
export { createHttpClient, HttpClient } from './http-client.js';
export type {
  HttpClientAuth,
  HttpClientBreakerOptions,
  HttpClientBulkheadOptions,
  HttpClientOptions,
  HttpClientRetryOptions,
} from './options.js';
export type { HttpHealthCheckOptions, HttpRequest, HttpResponse, JsonCallOptions, QueryValue } from './types.js';
