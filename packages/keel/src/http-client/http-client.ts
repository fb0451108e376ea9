import type { Logger } from 'pino';
import type { z } from 'zod';
import type { HealthCheck } from '../health/index.js';
import type { MetricsRegistry } from '../metrics/index.js';
import type { Component, ComponentContext, StopContext } from '../service/index.js';
import { Call, type CallSettings, type Exchange } from './call.js';
import { InFlight } from './deadlines.js';
import { EXTERNAL_SERVICE_UNAVAILABLE, HttpClientError } from './errors.js';
import { callFailure, statusFailure } from './failures.js';
import { healthCheckOf } from './health.js';
import { type HttpClientOptions, type ResolvedHttpClientOptions, resolveHttpClientOptions } from './options.js';
import { checkPolicyOptions, Origin } from './origin.js';
import { pathOnly } from './redact.js';
import { JsonResponse, parseJson } from './response.js';
import { appendQuery, baseOf, defaultHeaders, requestHeaders } from './target.js';
import type { HttpHealthCheckOptions, HttpRequest, HttpResponse, JsonCallOptions } from './types.js';

// RFC 9110's idempotent methods: a second copy does what the first did.
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/**
 * An HTTP client on undici's own Pool: one pool per origin (a connection limit, keep-alive, no
 * pipelining), a deadline per request, retries only where they are safe, a circuit breaker and
 * optional bulkhead per origin (keel/resilience), JSON helpers validated with zod, metrics
 * (`keel_http_client_*`) and redacted logs. A {@link Component}: list it in a feature's
 * `components`, and the service closes its pools on stop, once its requests are done or the grace
 * period ends. Made by {@link createHttpClient}.
 *
 * @example
 * ```ts
 * const users = createHttpClient({ name: 'users-api', baseUrl: 'https://users.example/v1/' });
 * const user = await users.getJson('/users/7', z.object({ id: z.number(), name: z.string() }));
 * ```
 */
export class HttpClient implements Component {
  readonly name: string;
  private readonly options: ResolvedHttpClientOptions;
  private readonly origins = new Map<string, Origin>();
  private readonly base: { origin: Origin; path: string } | undefined;
  private readonly headers: Record<string, string>;
  private readonly jsonHeaders: Record<string, string>;
  private readonly settings: CallSettings;
  private readonly token: (() => string | Promise<string>) | undefined;
  private metrics: MetricsRegistry | undefined;
  private readonly calls = new InFlight();
  private idle: (() => void) | undefined;
  private stopping = false;

  constructor(options?: HttpClientOptions) {
    this.options = resolveHttpClientOptions(options);
    this.name = this.options.name;
    this.headers = defaultHeaders(this.options);
    this.jsonHeaders = { accept: 'application/json', ...this.headers };
    this.settings = {
      retryOnStatus: new Set(this.options.retryOnStatus),
      maxResponseBytes: this.options.maxResponseBytes,
      logger: this.options.logger,
      rewritePath: this.options.redactPath,
    };
    this.metrics = this.options.metrics;
    const auth = this.options.auth;
    this.token = auth !== undefined && 'bearer' in auth && typeof auth.bearer === 'function' ? auth.bearer : undefined;
    // Bad policy options are refused here, before any policy joins the registry.
    checkPolicyOptions(this.name, this.options);
    if (this.options.baseUrl !== undefined) {
      const base = baseOf(this.options.baseUrl);
      this.base = { origin: this.originOf(base.origin), path: base.path };
    }
  }

  /**
   * Sends a request and reads its response. A status of 400 or more throws an
   * {@link HttpClientError} unless `throwOnStatus` is `false`.
   */
  request(request: HttpRequest): Promise<HttpResponse> {
    return this.send(request, this.headers, undefined) as Promise<HttpResponse>;
  }

  /** GETs JSON and validates it with `schema`; a mismatch is an HttpClientError (502). */
  getJson<S extends z.ZodType>(path: string, schema: S, options?: JsonCallOptions): Promise<z.output<S>> {
    return this.json('GET', path, undefined, schema, options);
  }

  /** POSTs `body` as JSON and validates the answer with `schema` (retried only with an `idempotencyKey`). */
  postJson<S extends z.ZodType>(
    path: string,
    body: unknown,
    schema: S,
    options?: JsonCallOptions,
  ): Promise<z.output<S>> {
    return this.json('POST', path, body, schema, options);
  }

  /** PUTs `body` as JSON and validates the answer with `schema`. */
  putJson<S extends z.ZodType>(
    path: string,
    body: unknown,
    schema: S,
    options?: JsonCallOptions,
  ): Promise<z.output<S>> {
    return this.json('PUT', path, body, schema, options);
  }

  /** PATCHes with `body` as JSON and validates the answer with `schema` (retried only with an `idempotencyKey`). */
  patchJson<S extends z.ZodType>(
    path: string,
    body: unknown,
    schema: S,
    options?: JsonCallOptions,
  ): Promise<z.output<S>> {
    return this.json('PATCH', path, body, schema, options);
  }

  /** DELETEs and validates the answer with `schema`. */
  deleteJson<S extends z.ZodType>(path: string, schema: S, options?: JsonCallOptions): Promise<z.output<S>> {
    return this.json('DELETE', path, undefined, schema, options);
  }

  /**
   * A readiness check of the client's origin (`baseUrl`, or the absolute URL of `path`): it passes
   * when the origin answers below 500, sent once, through its breaker. Register it in a feature's
   * `health`.
   */
  healthCheck(options: HttpHealthCheckOptions = {}): HealthCheck {
    return healthCheckOf(this, options);
  }

  /** Counts into the service's metrics and logs with its logger (unless the options gave others). */
  async start(context: ComponentContext): Promise<void> {
    this.stopping = false;
    for (const origin of this.origins.values()) origin.reopen();
    if (this.options.logger === undefined) this.settings.logger = context.logger;
    if (this.options.metrics === undefined) {
      this.metrics = context.metrics;
      for (const origin of this.origins.values()) origin.observe(context.metrics);
    }
  }

  /**
   * Refuses new requests, waits for those in flight until the grace period ends (then aborts
   * them), and closes every pool: gracefully, or destroyed once the grace period is over.
   */
  async stop(context: StopContext): Promise<void> {
    this.stopping = true;
    await this.drain(context.signal);
    const abandoned = this.calls.size;
    if (abandoned > 0) {
      context.reportAbandoned(`${abandoned} HTTP client request${abandoned === 1 ? '' : 's'} (${this.name})`);
      for (const call of this.calls) (call as Call).end('stopped');
    }
    await Promise.all([...this.origins.values()].map((origin) => closeOrigin(origin, context.signal)));
  }

  /** Closes every pool once the requests in flight are done (for a client used outside a service). */
  async close(): Promise<void> {
    this.stopping = true;
    await this.drain(undefined);
    await Promise.all([...this.origins.values()].map((origin) => origin.close()));
  }

  private json<S extends z.ZodType>(
    method: string,
    path: string,
    body: unknown,
    schema: S,
    options: JsonCallOptions | undefined,
  ): Promise<z.output<S>> {
    const request: HttpRequest = options === undefined ? { method, path } : { ...options, method, path };
    if (body !== undefined) request.json = body;
    return this.send(request, this.jsonHeaders, schema) as Promise<z.output<S>>;
  }

  private callOf(request: HttpRequest, defaults: Record<string, string>): Call {
    const method = request.method === undefined ? 'GET' : request.method.toUpperCase();
    let origin: Origin;
    let path: string;
    const target = request.path;
    if (target.startsWith('http://') || target.startsWith('https://')) {
      const url = new URL(target);
      origin = this.originOf(url.origin);
      path = url.pathname + url.search;
    } else if (this.base !== undefined) {
      origin = this.base.origin;
      path = target.charCodeAt(0) === 47 ? this.base.path + target : `${this.base.path}/${target}`;
    } else {
      throw new HttpClientError('external_service', 'a relative path needs the client to have a baseUrl', {
        origin: '',
        method,
        path: pathOnly(this.options.redactPath?.(target) ?? target),
        retried: false,
        attempts: 0,
      });
    }
    if (request.query !== undefined) path = appendQuery(path, request.query);
    let body = request.body ?? null;
    const json = request.json !== undefined;
    if (json) body = JSON.stringify(request.json);
    const headers = requestHeaders(defaults, request, json);
    const streamed = body !== null && typeof body !== 'string' && !(body instanceof Uint8Array);
    const keyed = request.idempotencyKey !== undefined || headers['idempotency-key'] !== undefined;
    const replayable = !streamed && (IDEMPOTENT.has(method) || keyed);
    const timeoutMs = request.timeoutMs ?? this.options.timeoutMs;
    return new Call(
      origin,
      method,
      path,
      headers,
      body,
      streamed,
      replayable,
      replayable && request.retry !== false && origin.retrying,
      timeoutMs,
      Date.now() + timeoutMs,
      this.settings,
      request.signal,
    );
  }

  /**
   * Sends a request and reads its answer: the body checked with `schema`, or a response. One async
   * frame from the request to its answer (each await is a microtask per request).
   */
  private async send(
    request: HttpRequest,
    defaults: Record<string, string>,
    schema: z.ZodType | undefined,
  ): Promise<HttpResponse | unknown> {
    const call = this.callOf(request, defaults);
    const signal = request.signal;
    if (this.stopping) {
      throw new HttpClientError(EXTERNAL_SERVICE_UNAVAILABLE, 'the HTTP client is stopping', {
        origin: call.origin.origin,
        method: call.method,
        path: call.errorPath,
        retried: false,
        attempts: 0,
      });
    }
    if (signal?.aborted) throw signal.reason;
    if (this.token !== undefined) await call.authorize(this.token);
    this.calls.add(call);
    signal?.addEventListener('abort', call, { once: true });
    const origin = call.origin;
    let exchange: Exchange;
    try {
      try {
        exchange = await origin.attempt(call);
      } catch (first) {
        const retry = origin.retry;
        if (retry === undefined || !origin.retries(first, call)) throw first;
        exchange = await retry.execute(
          (context) => (context.attempt === 0 ? Promise.reject(first) : origin.attempt(call)),
          call,
        );
      }
    } catch (error) {
      throw callFailure(call, error);
    } finally {
      signal?.removeEventListener('abort', call);
      this.calls.delete(call);
      if (this.calls.size === 0) this.idle?.();
    }
    if (exchange.status >= 400 && request.throwOnStatus !== false) throw statusFailure(call, exchange);
    return schema === undefined ? new JsonResponse(exchange, call) : parseJson(exchange, call, schema);
  }

  private originOf(origin: string): Origin {
    let known = this.origins.get(origin);
    if (known === undefined) {
      known = new Origin(origin, this.name, this.options);
      if (this.metrics !== undefined) known.observe(this.metrics);
      this.origins.set(origin, known);
    }
    return known;
  }

  private async drain(signal: AbortSignal | undefined): Promise<void> {
    if (this.calls.size === 0 || signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.idle = undefined;
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.idle = done;
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** The logger attempts are logged to (for the helpers of this folder). */
  get logger(): Logger | undefined {
    return this.settings.logger;
  }
}

async function closeOrigin(origin: Origin, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return origin.destroy();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<'aborted'>((resolve) => {
    onAbort = () => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
  });
  const outcome = await Promise.race([origin.close().then(() => 'closed' as const), aborted]);
  if (onAbort) signal.removeEventListener('abort', onAbort);
  if (outcome === 'aborted') await origin.destroy();
}

/**
 * Creates an {@link HttpClient}. Its options are checked once, here: a bad one throws a
 * UsageError.
 *
 * @example
 * ```ts
 * const payments = createHttpClient({
 *   name: 'payments',
 *   baseUrl: 'https://api.payments.example/v1/',
 *   auth: { bearer: config.PAYMENTS_TOKEN },
 *   timeoutMs: 5000,
 * });
 * const charge = await payments.postJson('/charges', { amount: 500 }, Charge, { idempotencyKey: order.id });
 * ```
 */
export function createHttpClient(options?: HttpClientOptions): HttpClient {
  return new HttpClient(options);
}
