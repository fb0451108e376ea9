import type { MetricsRegistry } from '../metrics/index.js';
import type { CacheStats } from './stats-types.js';

/** What the metrics read from the cache at scrape time. */
interface StatsSource {
  stats(): Promise<CacheStats>;
}

/**
 * Registers the cache's Prometheus metrics; each is computed from `cache.stats()` when scraped, so
 * reads and writes pay nothing for them.
 */
export function registerCacheMetrics(metrics: MetricsRegistry, cache: StatsSource): void {
  let pending: Promise<CacheStats> | undefined;
  // One stats read per scrape, shared by every metric below.
  const current = (): Promise<CacheStats> => {
    pending ??= cache.stats().finally(() => {
      setImmediate(() => {
        pending = undefined;
      });
    });
    return pending;
  };
  const perNamespace = (
    name: string,
    help: string,
    kind: 'counter' | 'gauge',
    pick: (s: CacheStats['namespaces'][string]) => number,
  ): void => {
    const config = {
      name,
      help,
      labelNames: ['namespace'] as const,
      async collect(this: { reset(): void; inc(labels: { namespace: string }, value: number): void }) {
        const stats = await current();
        this.reset();
        for (const [namespace, s] of Object.entries(stats.namespaces)) this.inc({ namespace }, pick(s));
      },
    };
    if (kind === 'counter') metrics.counter(config);
    else metrics.gauge(config);
  };
  perNamespace('keel_cache_hits_total', 'Cache hits by namespace', 'counter', (s) => s.hits);
  perNamespace('keel_cache_misses_total', 'Cache misses by namespace', 'counter', (s) => s.misses);
  perNamespace('keel_cache_graced_hits_total', 'Hits that served an expired value', 'counter', (s) => s.gracedHits);
  perNamespace('keel_cache_memory_entries', 'Entries in the memory tier by namespace', 'gauge', (s) => s.memoryEntries);
  perNamespace('keel_cache_memory_bytes', 'Bytes in the memory tier by namespace', 'gauge', (s) => s.memoryBytes);
  const redis = (name: string, help: string, pick: (s: CacheStats['redis']) => number | undefined): void => {
    metrics.gauge({
      name,
      help,
      async collect() {
        const value = pick((await current()).redis);
        if (value === undefined) this.reset();
        else this.set(value);
      },
    });
  };
  redis('keel_cache_redis_up', 'Whether the Redis tier is in use (1) or bypassed (0)', (s) =>
    s === null ? undefined : s.status === 'up' ? 1 : 0,
  );
  redis('keel_cache_redis_used_memory_bytes', 'Redis used_memory', (s) =>
    s && s.status !== 'down' ? s.usedMemoryBytes : undefined,
  );
  redis('keel_cache_redis_keys', 'Keys in the Redis database', (s) =>
    s && s.status !== 'down' ? s.keyCount : undefined,
  );
  redis('keel_cache_redis_connected_clients', 'Redis connected_clients', (s) =>
    s && s.status !== 'down' ? s.connectedClients : undefined,
  );
}
