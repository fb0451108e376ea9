import type { HealthCheck } from 'keel/health';
import { createHttpClient, type HttpClient } from 'keel/http-client';
import type { ResilienceRegistry } from 'keel/resilience';
import { type IndexerRelease, searchAnswerSchema } from './wire.js';

/** How the watcher talks to the indexer: its resilience settings (tests shorten them). */
export interface IndexerOptions {
  /** The indexer's base URL (`INDEXER_URL`); unset: the indexer is not configured. */
  url: string | undefined;
  /** Sent as `X-Api-Key` (`INDEXER_API_KEY`). */
  apiKey: string | undefined;
  /** Searches at once in this process (`WATCH_CONCURRENCY`). */
  concurrency: number;
  /** The service's registry: the indexer's breaker shows in readiness, metrics and `/admin/resilience`. */
  resilience?: ResilienceRegistry;
  /** Deadline of one search, retries included. Default: 30000 ms. */
  timeoutMs?: number;
  /** Most time to the answer's headers, per attempt. Default: 15000 ms. */
  headersTimeoutMs?: number;
  /** Retries of a failed attempt (5xx, 429, timeout, connection). Default: 2. */
  maxRetries?: number;
  /** Consecutive failed attempts that open the breaker. Default: 5. */
  breakerFailures?: number;
  /** How long the open breaker refuses searches before one probe. Default: 30000 ms. */
  halfOpenAfterMs?: number;
  /** The longest pause, doubled from `halfOpenAfterMs` after each failed probe. Default: 300000 ms. */
  maxHalfOpenAfterMs?: number;
}

/** The query of one search: a watchlist item's text and categories. */
export interface SearchQuery {
  query: string;
  categories: readonly number[];
}

/**
 * Prowlarr's search API through Keel's pooled client: `GET /api/v1/search?query=…&categories=…&type=search`
 * with `X-Api-Key`, at most `concurrency` attempts at once (a bulkhead), retried, behind a circuit
 * breaker on the indexer's origin. Not configured (no URL): searches throw, readiness is degraded.
 */
export class IndexerClient {
  /** The pooled client, or `undefined` when no indexer is configured. */
  readonly http: HttpClient | undefined;

  constructor(options: IndexerOptions) {
    if (options.url === undefined) return;
    this.http = createHttpClient({
      name: 'indexer',
      baseUrl: options.url,
      ...(options.apiKey === undefined ? {} : { headers: { 'x-api-key': options.apiKey } }),
      connections: options.concurrency,
      ...(options.resilience ? { resilience: options.resilience } : {}),
      timeoutMs: options.timeoutMs ?? 30_000,
      headersTimeoutMs: options.headersTimeoutMs ?? 15_000,
      bodyTimeoutMs: options.headersTimeoutMs ?? 15_000,
      retry: { maxRetries: options.maxRetries ?? 2, baseDelayMs: 500, maxDelayMs: 5000 },
      circuitBreaker: {
        breaker: { kind: 'consecutive', failures: options.breakerFailures ?? 5 },
        halfOpenAfterMs: options.halfOpenAfterMs ?? 30_000,
        maxHalfOpenAfterMs: Math.max(options.halfOpenAfterMs ?? 30_000, options.maxHalfOpenAfterMs ?? 300_000),
      },
      // Queue far beyond the job worker's slots: a check waits for its turn, it is never refused.
      bulkhead: { limit: options.concurrency, queue: 10_000 },
    });
  }

  /** True when an indexer URL is configured. */
  get configured(): boolean {
    return this.http !== undefined;
  }

  /** Searches the indexer; the releases it answers, validated (extra fields ignored). */
  async search(query: SearchQuery, signal?: AbortSignal): Promise<IndexerRelease[]> {
    if (this.http === undefined) throw new Error('no indexer is configured (INDEXER_URL)');
    return this.http.getJson('/api/v1/search', searchAnswerSchema, {
      query: {
        query: query.query,
        categories: query.categories.length > 0 ? query.categories : undefined,
        type: 'search',
      },
      ...(signal ? { signal } : {}),
    });
  }

  /** Readiness: degraded while no indexer is configured or it does not answer `/ping`. */
  healthCheck(): HealthCheck {
    if (this.http !== undefined) return this.http.healthCheck({ name: 'indexer', path: '/ping', critical: false });
    return {
      name: 'indexer',
      critical: false,
      check: async () => {
        throw new Error('not configured (INDEXER_URL): checks wait');
      },
    };
  }
}
