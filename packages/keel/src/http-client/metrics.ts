import { UsageError } from '../errors/index.js';
import type { Gauge, MetricsRegistry } from '../metrics/index.js';
import { type CounterSeries, type HistogramSeries, LocalCounter, LocalHistogram } from './collectors.js';

/** The status classes counted: one per hundred, and `error` when no response came. */
export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'error';

/** Why an attempt was sent again. */
export type RetryReason = 'status' | 'network' | 'timeout' | 'keepalive';

const CLASSES: readonly StatusClass[] = ['1xx', '2xx', '3xx', '4xx', '5xx', 'error'];
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Reads one origin's pool, at scrape time. */
export interface PoolSample {
  client: string;
  origin: string;
  stats(): { connected: number; free: number; pending: number; queued: number };
}

interface Family {
  requests: LocalCounter;
  duration: LocalHistogram;
  retries: LocalCounter;
  pools: Set<PoolSample>;
}

// One family per registry, shared by every client of it: the pool gauges read every client's
// pools at scrape time, and a client's series are made once.
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
        // undici counts the pool's own queue in `pending`, with what its connections have not yet sent.
        queued.set({ client: pool.client, origin: pool.origin }, stats.pending);
      }
    },
  });
  const created: Family = {
    requests: register(
      metrics,
      new LocalCounter(
        'keel_http_client_requests_total',
        'Attempts sent by an HTTP client, by response status class (error: no response)',
        ['client', 'origin', 'method', 'status_class'],
      ),
    ),
    duration: register(
      metrics,
      new LocalHistogram(
        'keel_http_client_request_duration_seconds',
        'Time of one HTTP client attempt, from sending to the end of the response body',
        ['client', 'origin', 'method'],
        BUCKETS,
      ),
    ),
    retries: register(
      metrics,
      new LocalCounter('keel_http_client_retries_total', 'Attempts an HTTP client sent again, by reason', [
        'client',
        'origin',
        'reason',
      ]),
    ),
    pools,
  };
  families.set(metrics, created);
  return created;
}

// A custom collector in the registry underneath (MetricsRegistry's documented way out).
function register<F extends LocalCounter | LocalHistogram>(metrics: MetricsRegistry, local: F): F {
  try {
    (metrics.registry.registerMetric as (metric: unknown) => void)(local);
  } catch (error) {
    throw new UsageError(`metrics: ${(error as Error).message}`, { cause: error });
  }
  return local;
}

interface MethodSeries {
  byClass: Record<StatusClass, CounterSeries>;
  duration: HistogramSeries;
}

/** One origin's metrics, its series looked up once per method. */
export class OriginMetrics {
  private readonly family: Family;
  private readonly methods = new Map<string, MethodSeries>();
  private readonly retrySeries = new Map<RetryReason, CounterSeries>();

  constructor(
    metrics: MetricsRegistry,
    private readonly sample: PoolSample,
  ) {
    this.family = family(metrics);
    this.family.pools.add(sample);
  }

  /** Counts one attempt and its duration. */
  observe(method: string, statusClass: StatusClass, seconds: number): void {
    let series = this.methods.get(method);
    if (series === undefined) {
      series = this.seriesOf(method);
      this.methods.set(method, series);
    }
    series.byClass[statusClass].value += 1;
    series.duration.observe(seconds);
  }

  /** Counts one attempt sent again. */
  retried(reason: RetryReason): void {
    let series = this.retrySeries.get(reason);
    if (series === undefined) {
      series = this.family.retries.seriesOf({ client: this.sample.client, origin: this.sample.origin, reason });
      this.retrySeries.set(reason, series);
    }
    series.value += 1;
  }

  /** Reads the pool again (it was opened again). */
  watch(): void {
    this.family.pools.add(this.sample);
  }

  /** Stops reading the pool (it is closed); its counts stay. */
  release(): void {
    this.family.pools.delete(this.sample);
  }

  private seriesOf(method: string): MethodSeries {
    const { client, origin } = this.sample;
    const byClass = {} as Record<StatusClass, CounterSeries>;
    for (const statusClass of CLASSES) {
      byClass[statusClass] = this.family.requests.seriesOf({ client, origin, method, status_class: statusClass });
    }
    return { byClass, duration: this.family.duration.seriesOf({ client, origin, method }) };
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
