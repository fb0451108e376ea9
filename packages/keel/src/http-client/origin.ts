import { Pool } from 'undici';
import type { MetricsRegistry } from '../metrics/index.js';
import {
  type BulkheadPolicy,
  bulkhead,
  type CircuitBreakerPolicy,
  circuitBreaker,
  type PolicyContext,
  type RetryPolicy,
  retry,
} from '../resilience/index.js';
import { AttemptFailure } from './attempt-failure.js';
import type { Call, Exchange } from './call.js';
import { markingConnector } from './connector.js';
import { OriginMetrics } from './metrics.js';
import type { ResolvedHttpClientOptions } from './options.js';

// Only failures marked transient are retried: the attempt knows whether its request is replayable.
export const isTransient = (error: unknown): boolean => error instanceof AttemptFailure && error.transient;

// The origin failed: it answered a `retryOnStatus` status, the connection failed, a timeout or the
// deadline passed. Not a body too large, nor the caller's abort or the client stopping.
const isFailure = (error: unknown): boolean => error instanceof AttemptFailure && error.countsAgainstOrigin;

/** The name of a client's policies for one origin: `<client>:<host>` (`payments:api.example:8443`). */
export function policyName(client: string, origin: string): string {
  return `${client}:${new URL(origin).host.replace(/[^A-Za-z0-9._:-]/g, '')}`.slice(0, 128);
}

/** The policies of one origin, made from the client's options and added to its registry, if any. */
function policiesOf(
  name: string,
  options: ResolvedHttpClientOptions,
): { retry?: RetryPolicy; breaker?: CircuitBreakerPolicy; bulkhead?: BulkheadPolicy } {
  const registry = options.resilience;
  const made: { retry?: RetryPolicy; breaker?: CircuitBreakerPolicy; bulkhead?: BulkheadPolicy } = {};
  if (options.retry !== false) {
    const retryOptions = { ...withoutName(options.retry), isTransient };
    made.retry = registry ? registry.retry(name, retryOptions) : retry({ ...retryOptions, name });
  }
  if (options.circuitBreaker !== false) {
    const breakerOptions = { ...withoutName(options.circuitBreaker), isFailure };
    made.breaker = registry
      ? registry.circuitBreaker(name, breakerOptions)
      : circuitBreaker({ ...breakerOptions, name });
  }
  if (options.bulkhead !== false) {
    const bulkheadOptions = withoutName(options.bulkhead);
    made.bulkhead = registry ? registry.bulkhead(name, bulkheadOptions) : bulkhead({ ...bulkheadOptions, name });
  }
  return made;
}

// The client names its policies: a `name` among their options would break the per-origin naming.
function withoutName<T extends object>(options: T): Omit<T, 'name'> {
  const { name: _name, ...rest } = options as T & { name?: unknown };
  return rest;
}

/** Checks the policies' options once, at the client's creation, without keeping the policies. */
export function checkPolicyOptions(client: string, options: ResolvedHttpClientOptions): void {
  policiesOf(client, { ...options, resilience: undefined });
}

// The context of an attempt run without a breaker or bulkhead around it.
const BARE: PolicyContext = { signal: new AbortController().signal, attempt: 0 };

/**
 * Everything a client keeps per origin: its pool (a connection limit, keep-alive, no pipelining),
 * its policies (retry, then breaker, then bulkhead: each attempt passes the breaker) and its metrics.
 */
export class Origin {
  pool: Pool;
  private readonly poolOptions: Pool.Options;
  /** The retry around the attempts, if any. */
  readonly retry: RetryPolicy | undefined;
  /** The name of its policies: `<client>:<host>`. */
  readonly policyName: string;
  readonly breaker: CircuitBreakerPolicy | undefined;
  readonly bulkhead: BulkheadPolicy | undefined;
  /** The longest Retry-After its retry waits for, if it retries. */
  readonly maxRetryAfterMs: number | undefined;
  metrics: OriginMetrics | undefined;

  constructor(
    readonly origin: string,
    private readonly client: string,
    options: ResolvedHttpClientOptions,
  ) {
    this.policyName = policyName(client, origin);
    const policies = policiesOf(this.policyName, options);
    this.poolOptions = {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      connect: markingConnector(options.connectTimeoutMs),
    };
    this.pool = new Pool(origin, this.poolOptions);
    this.retry = policies.retry;
    this.breaker = policies.breaker;
    this.bulkhead = policies.bulkhead;
    this.maxRetryAfterMs = policies.retry?.options.maxRetryAfterMs;
    if (options.metrics !== undefined) this.observe(options.metrics);
  }

  /** Whether failed attempts may be retried at all. */
  get retrying(): boolean {
    return this.retry !== undefined;
  }

  /**
   * Whether a call's first attempt, failed with `first`, goes on to the retry policy. A call is sent
   * once through the breaker and bulkhead, and only if that fails transiently through the retry,
   * handed that failure as its first try's: the retry's rules, events and waits are the same, and a
   * call that succeeds at once costs no retry machinery (wrap() cost a tenth of a loopback request).
   */
  retries(first: unknown, call: Call): boolean {
    return this.retry !== undefined && isTransient(first) && !call.aborted && call.signal?.aborted !== true;
  }

  /** One attempt of a call, through the breaker and bulkhead; the call is their ExecuteOptions. */
  attempt(call: Call): Promise<Exchange> {
    const { breaker, bulkhead } = this;
    if (breaker === undefined) return bulkhead === undefined ? call.run(BARE) : bulkhead.execute(call.run, call);
    return bulkhead === undefined
      ? breaker.execute(call.run, call)
      : breaker.execute(() => bulkhead.execute(call.run, call), call);
  }

  /** Counts this origin's requests and samples its pool in `metrics`. */
  observe(metrics: MetricsRegistry): void {
    this.metrics?.release();
    this.metrics = new OriginMetrics(metrics, {
      client: this.client,
      origin: this.origin,
      stats: () => this.pool.stats,
    });
  }

  /** A new pool in place of one closed by a stop (a component started again). */
  reopen(): void {
    if (!this.pool.closed && !this.pool.destroyed) return;
    this.pool = new Pool(this.origin, this.poolOptions);
    this.metrics?.watch();
  }

  /** Closes the pool once its requests are done. */
  async close(): Promise<void> {
    this.metrics?.release();
    if (!this.pool.closed && !this.pool.destroyed) await this.pool.close();
  }

  /** Closes every connection now, failing what still runs. */
  async destroy(): Promise<void> {
    this.metrics?.release();
    if (!this.pool.destroyed) await this.pool.destroy();
  }
}
