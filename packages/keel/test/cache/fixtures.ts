import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { type CacheOptions, createCache, type KeelCache } from '../../src/cache/index.js';
import { HealthRegistry } from '../../src/health/index.js';
import { MetricsRegistry } from '../../src/metrics/index.js';
import type { ComponentContext } from '../../src/service/index.js';

/** The shared Redis every test file may use (with its own prefix). */
export const sharedRedisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** A prefix no other test file uses. */
export function uniquePrefix(name: string): string {
  return `keeltest-${name}-${randomBytes(4).toString('hex')}`;
}

/** A component context with real registries, as the Service gives one. */
export function testContext(): ComponentContext {
  return {
    logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
    metrics: new MetricsRegistry({ defaultMetrics: false }),
    health: new HealthRegistry(),
    state: () => 'running',
  };
}

/** Creates and starts a cache; `stopAll` stops every cache it started. */
export function cacheFactory() {
  const started: KeelCache[] = [];
  return {
    async start(options: CacheOptions, context: ComponentContext = testContext()): Promise<KeelCache> {
      const cache = createCache(options);
      await cache.start(context);
      started.push(cache);
      return cache;
    },
    async stopAll(): Promise<void> {
      await Promise.all(started.splice(0).map((cache) => cache.stop()));
    },
  };
}
