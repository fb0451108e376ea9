import type { Counter, Gauge, Histogram, MetricsRegistry } from '../metrics/index.js';

/** The status classes counted: one per hundred, and `error` when no response came. */
export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'error';

/** Why an attempt was sent again. */
export type RetryReason = 'status' | 'network' | 'timeout' | 'keepalive';

const CLASSES: readonly StatusClass[] = ['1xx', '2xx', '3xx', '4xx', '5xx', 'error'];

/** Reads one origin's pool, at scrape time. */
export interface PoolSample {
  client: string;
  origin: string;
  stats(): { connected: number; free: number; pending: number; queued: number };
}

interface Family {
  requests: Counter<'client' | 'origin' | 'method' | 'status_class'>;
  duration: Histogram<'client' | 'origin' | 'method'>;
  retries: Counter<'client' | 'origin' | 'reason'>;
  pools: Set<PoolSample>;
}

// One pool gauge per registry reads every client's pools: the first client creates it with the
// collect function, later ones (any client of the same registry) add their pools to its set.
const families = new WeakMap<MetricsRegistry, Family>();

function family(metrics: MetricsRegistry): Family {
  const known = families.get(metrics);
  if (known !== undefined) return known;
  const pools = new Set<PoolSample>();
  const connections: Gauge<'client' | 'origin' | 'state'> = metrics.gauge({
    name: 'keel_http_client_pool_connections',
    help: 'Connections of an HTTP client pool, by state (in_use: serving a request; idle: kept alive)',
    labelNames: ['client', 'origin', 'state'],
    collect() {
      connections.reset();
      for (const pool of pools) {
        const stats = pool.stats();
        connections.set({ client: pool.client, origin: pool.origin, state: 'in_use' }, stats.connected - stats.free);
        connections.set({ client: pool.client, origin: pool.origin, state: 'idle' }, stats.free);
      }
    },
  });
  const queued: Gauge<'client' | 'origin'> = metrics.gauge({
    name: 'keel_http_client_pool_queued_requests',
    help: 'Requests of an HTTP client pool waiting for a connection',
    labelNames: ['client', 'origin'],
    collect() {
      queued.reset();
      for (const pool of pools) {
        const stats = pool.stats();
        queued.set({ client: pool.client, origin: pool.origin }, stats.queued + stats.pending);
      }
    },
  });
  const created: Family = {
    requests: metrics.counter({
      name: 'keel_http_client_requests_total',
      help: 'Attempts sent by an HTTP client, by response status class (error: no response)',
      labelNames: ['client', 'origin', 'method', 'status_class'],
    }),
    duration: metrics.histogram({
      name: 'keel_http_client_request_duration_seconds',
      help: 'Time of one HTTP client attempt, from sending to the end of the response body',
      labelNames: ['client', 'origin', 'method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
    retries: metrics.counter({
      name: 'keel_http_client_retries_total',
      help: 'Attempts an HTTP client sent again, by reason',
      labelNames: ['client', 'origin', 'reason'],
    }),
    pools,
  };
  families.set(metrics, created);
  return created;
}

interface MethodChildren {
  byClass: Record<StatusClass, { inc(): void }>;
  duration: { observe(seconds: number): void };
}

/**
 * One origin's metrics, with the labelled children made once per method (a label lookup hashes its
 * labels: too dear per request).
 */
export class OriginMetrics {
  private readonly family: Family;
  private readonly methods = new Map<string, MethodChildren>();
  private readonly retryChildren = new Map<RetryReason, { inc(): void }>();

  constructor(
    metrics: MetricsRegistry,
    private readonly sample: PoolSample,
  ) {
    this.family = family(metrics);
    this.family.pools.add(sample);
  }

  /** Counts one attempt and its duration. */
  observe(method: string, statusClass: StatusClass, seconds: number): void {
    let children = this.methods.get(method);
    if (children === undefined) {
      children = this.children(method);
      this.methods.set(method, children);
    }
    children.byClass[statusClass].inc();
    children.duration.observe(seconds);
  }

  /** Counts one attempt sent again. */
  retried(reason: RetryReason): void {
    let child = this.retryChildren.get(reason);
    if (child === undefined) {
      child = this.family.retries.labels({ client: this.sample.client, origin: this.sample.origin, reason });
      this.retryChildren.set(reason, child);
    }
    child.inc();
  }

  /** Stops reading the pool (it is closed). */
  release(): void {
    this.family.pools.delete(this.sample);
  }

  private children(method: string): MethodChildren {
    const { client, origin } = this.sample;
    const byClass = {} as Record<StatusClass, { inc(): void }>;
    for (const statusClass of CLASSES) {
      byClass[statusClass] = this.family.requests.labels({ client, origin, method, status_class: statusClass });
    }
    return { byClass, duration: this.family.duration.labels({ client, origin, method }) };
  }
}

/** The class of a status: `2xx` for 204. */
export function statusClass(status: number): StatusClass {
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  if (status >= 200) return '2xx';
  return '1xx';
}
