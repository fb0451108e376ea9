import type { CreateDriverResult, L2CacheDriver } from 'bentocache/types';
import type { RedisOutage } from './outage.js';

/**
 * Wraps bentocache's Redis driver: while the cache is degraded the Redis tier answers "not there"
 * at once (no waiting on a dead Redis, no stale read before the recovery replayed its journal), and
 * every real failure marks the outage before bentocache opens its circuit breaker.
 */
class GatedL2Driver implements L2CacheDriver {
  readonly type = 'l2' as const;

  constructor(
    private readonly inner: L2CacheDriver,
    private readonly outage: RedisOutage,
  ) {}

  namespace(namespace: string): L2CacheDriver {
    return new GatedL2Driver(this.inner.namespace(namespace) as L2CacheDriver, this.outage);
  }

  get(key: string): Promise<string | undefined> {
    if (this.outage.bypass()) return Promise.resolve(undefined);
    return this.guard(this.inner.get(key));
  }

  pull(key: string): Promise<string | undefined> {
    if (this.outage.bypass()) return Promise.resolve(undefined);
    return this.guard(this.inner.pull(key));
  }

  set(key: string, value: string, ttl?: number): Promise<boolean> {
    if (this.outage.bypass()) return Promise.resolve(false);
    return this.guard(this.inner.set(key, value, ttl));
  }

  clear(): Promise<void> {
    if (this.outage.bypass()) return Promise.resolve();
    return this.guard(this.inner.clear());
  }

  delete(key: string): Promise<boolean> {
    if (this.outage.bypass()) return Promise.resolve(false);
    return this.guard(this.inner.delete(key));
  }

  deleteMany(keys: string[]): Promise<boolean> {
    if (this.outage.bypass()) return Promise.resolve(false);
    return this.guard(this.inner.deleteMany(keys));
  }

  disconnect(): Promise<void> {
    return this.inner.disconnect();
  }

  private async guard<T>(operation: Promise<T>): Promise<T> {
    try {
      return await operation;
    } catch (error) {
      this.outage.markDown(error instanceof Error ? error.message : String(error), true);
      throw error;
    }
  }
}

/** bentocache's Redis driver behind the outage gate. */
export function gatedL2(
  driver: CreateDriverResult<L2CacheDriver>,
  outage: RedisOutage,
): CreateDriverResult<L2CacheDriver> {
  return { options: driver.options, factory: (config) => new GatedL2Driver(driver.factory(config), outage) };
}
