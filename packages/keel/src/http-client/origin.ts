import { Pool } from 'undici';
import type { MetricsRegistry } from '../metrics/index.js';
import { bulkhead, circuitBreaker, type Policy, retry, wrap } from '../resilience/index.js';
import { AttemptFailure } from './attempt-failure.js';
import { markingConnector } from './connector.js';
import { OriginMetrics } from './metrics.js';
import type { ResolvedHttpClientOptions } from './options.js';

// Only failures marked transient are retried: the attempt knows whether its request is replayable.
const isTransient = (error: unknown): boolean => error instanceof AttemptFailure && error.transient;

/**
 * Everything a client keeps per origin: its pool (a connection limit, keep-alive, no pipelining),
 * its policies (retry, then breaker, then bulkhead: each attempt passes the breaker) and its metrics.
 */
export class Origin {
  readonly pool: Pool;
  /** All policies wrapped, or `undefined` when the client has none. */
  readonly policy: Policy | undefined;
  readonly retries: boolean;
  metrics: OriginMetrics | undefined;

  constructor(
    readonly origin: string,
    private readonly client: string,
    options: ResolvedHttpClientOptions,
  ) {
    this.pool = new Pool(origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      connect: markingConnector(options.connectTimeoutMs),
    });
    const policies: Policy[] = [];
    if (options.retry !== false) policies.push(retry({ ...options.retry, isTransient }));
    if (options.circuitBreaker !== false) policies.push(circuitBreaker(options.circuitBreaker));
    if (options.bulkhead !== false) policies.push(bulkhead(options.bulkhead as Parameters<typeof bulkhead>[0]));
    this.retries = options.retry !== false;
    this.policy = policies.length === 0 ? undefined : policies.length === 1 ? policies[0] : wrap(...policies);
    if (options.metrics !== undefined) this.observe(options.metrics);
  }

  /** Counts this origin's requests and samples its pool in `metrics`. */
  observe(metrics: MetricsRegistry): void {
    this.metrics?.release();
    const pool = this.pool;
    this.metrics = new OriginMetrics(metrics, { client: this.client, origin: this.origin, stats: () => pool.stats });
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
