import type { MemoryDriver } from 'bentocache/drivers/memory';
import type { CreateDriverResult, L1CacheDriver } from 'bentocache/types';

/**
 * bentocache's memory driver, reporting each key it does not hold. A `getOrSet` reads the memory tier
 * synchronously, before its first await, so the report tells the load leases which call is about
 * to read Redis: only those calls claim a lease with their read, and memory hits pay nothing for it.
 */
class MemoryTier implements L1CacheDriver {
  readonly type = 'l1' as const;

  constructor(
    private readonly inner: MemoryDriver,
    private readonly onMiss: (key: string) => void,
  ) {}

  get(key: string): string | undefined {
    const value = this.inner.get(key);
    if (value === undefined) this.onMiss(key);
    return value;
  }

  namespace(namespace: string): L1CacheDriver {
    return this.inner.namespace(namespace);
  }

  pull(key: string): string | undefined {
    return this.inner.pull(key);
  }

  set(key: string, value: string, ttl?: number): boolean {
    return this.inner.set(key, value, ttl);
  }

  getRemainingTtl(key: string): number | undefined {
    return this.inner.getRemainingTtl(key);
  }

  clear(): void {
    this.inner.clear();
  }

  delete(key: string): boolean {
    return this.inner.delete(key);
  }

  deleteMany(keys: string[]): boolean {
    return this.inner.deleteMany(keys);
  }

  disconnect(): Promise<void> {
    return this.inner.disconnect();
  }
}

/**
 * The memory tier of a cache: bentocache's memory driver, handed to `created` (the stats read it),
 * and wrapped to report misses when `onMiss` is given.
 */
export function memoryTier(
  driver: CreateDriverResult<MemoryDriver>,
  created: (driver: MemoryDriver) => void,
  onMiss: ((key: string) => void) | undefined,
): CreateDriverResult<L1CacheDriver> {
  return {
    options: driver.options,
    factory: (config) => {
      const inner = driver.factory(config);
      created(inner);
      return onMiss ? new MemoryTier(inner, onMiss) : inner;
    },
  };
}
