// The three caches under test, each as a reader (measured) and a writer (fills Redis behind the reader's back).
import { randomBytes } from 'node:crypto';
import KeyvRedis from '@keyv/redis';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import { createCache as createCacheManager } from 'cache-manager';
import { CacheableMemory } from 'cacheable';
import { Redis } from 'ioredis';
import { createCache, type KeelCache } from 'keel/cache';
import { HealthRegistry } from 'keel/health';
import { MetricsRegistry } from 'keel/metrics';
import { Keyv } from 'keyv';
import { pino } from 'pino';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TTL_MS = 300_000;
const MAX_ITEMS = 200_000;
const MAX_BYTES = 256 * 1024 * 1024;

/** One cache as the benchmark drives it. */
export interface Contender {
  name: string;
  settings: string;
  getOrSet(key: string, loader: () => Promise<unknown>): Promise<unknown>;
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  close(): Promise<void>;
}

export async function keel(prefix: string): Promise<Contender> {
  const cache: KeelCache = createCache({
    redisUrl: REDIS_URL,
    prefix,
    ttlMs: TTL_MS,
    graceMs: 0,
    memory: { maxItems: MAX_ITEMS, maxSize: MAX_BYTES },
  });
  await cache.start({
    logger: pino({ enabled: false }),
    metrics: new MetricsRegistry({ defaultMetrics: false }),
    health: new HealthRegistry(),
    state: () => 'running',
  });
  return {
    name: 'keel',
    settings: `keel/cache: memory (maxItems ${MAX_ITEMS}, maxSize ${MAX_BYTES}) + Redis + bus, ttl ${TTL_MS}, grace off, soft timeout 0, circuit breaker 1000 ms, one loader per key across instances (load lease claimed by the Redis read), acknowledged bus, command writes coalesced per event-loop turn, one watchdog timer per connection, plain fresh hits answered before bentocache's per-call work (memory: a synchronous LRU read, entries decoded once per write and copied per hit; Redis: one GET, handed to bentocache when not a plain hit)`,
    getOrSet: (key, loader) => cache.getOrSet(key, loader),
    get: (key) => cache.get(key),
    set: (key, value) => cache.set(key, value),
    close: () => cache.stop(),
  };
}

export async function bento(prefix: string): Promise<Contender> {
  const connection = new Redis(REDIS_URL);
  const cache = new BentoCache({
    default: 'cache',
    prefix,
    ttl: TTL_MS,
    grace: false,
    timeout: 0,
    l2CircuitBreakerDuration: 1000,
    stores: {
      cache: bentostore()
        .useL1Layer(memoryDriver({ maxItems: MAX_ITEMS, maxSize: MAX_BYTES }))
        .useL2Layer(redisDriver({ connection }))
        .useBus(redisBusDriver({ connection: { host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) } })),
    },
  });
  return {
    name: 'bentocache',
    settings: `bentocache 1.6: memoryDriver (maxItems ${MAX_ITEMS}, maxSize ${MAX_BYTES}) + redisDriver + redisBusDriver, ttl ${TTL_MS}, grace off, timeout 0, l2CircuitBreakerDuration 1000`,
    getOrSet: (key, loader) => cache.getOrSet({ key, factory: loader }),
    get: (key) => cache.get({ key }),
    set: async (key, value) => {
      await cache.set({ key, value });
    },
    close: async () => {
      await cache.disconnectAll();
    },
  };
}

// cache-manager's memory tier: its README's "high performance in-memory cache with LRU and TTL"
// (CacheableMemory) or Keyv's default Map (unbounded); BENCH_CM_MEMORY picks, the default is the faster one here.
const CM_MEMORY = process.env.BENCH_CM_MEMORY === 'cacheable' ? 'cacheable' : 'map';

export async function cacheManager(prefix: string): Promise<Contender> {
  const memory =
    CM_MEMORY === 'cacheable'
      ? new Keyv({ store: new CacheableMemory({ ttl: TTL_MS, lruSize: MAX_ITEMS }), namespace: prefix })
      : new Keyv({ namespace: prefix });
  const redis = new Keyv({ store: new KeyvRedis(REDIS_URL), namespace: prefix, useKeyPrefix: false });
  const cache = createCacheManager({ stores: [memory, redis], ttl: TTL_MS });
  const memoryName =
    CM_MEMORY === 'cacheable' ? `Keyv CacheableMemory (lruSize ${MAX_ITEMS})` : 'Keyv in-memory Map (unbounded)';
  return {
    name: 'cache-manager',
    settings: `cache-manager 7 + keyv 5: stores [${memoryName}, Keyv @keyv/redis 5], ttl ${TTL_MS}, nonBlocking off (a memory hit never waits on Redis), wrap coalesces concurrent calls of a key, no bus (tiers are not kept in step)`,
    getOrSet: (key, loader) => cache.wrap(key, loader),
    get: (key) => cache.get(key),
    set: async (key, value) => {
      await cache.set(key, value);
    },
    close: () => cache.disconnect().then(() => undefined),
  };
}

export const contenders = { keel, bento, cacheManager } as const;

export function benchPrefix(name: string): string {
  return `bench-${name}-${randomBytes(4).toString('hex')}`;
}
