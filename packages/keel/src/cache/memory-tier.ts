import type { MemoryDriver } from 'bentocache/drivers/memory';
import type { CreateDriverResult, L1CacheDriver } from 'bentocache/types';
import type { ReadsInFlight } from './reads-in-flight.js';

/**
 * bentocache's memory driver, reporting each key it does not hold and each key whose copy changes.
 * A `getOrSet` reads the memory tier synchronously, before its first await, so the miss report tells
 * the load leases which call is about to read Redis: only those calls claim a lease with their read,
 * and memory hits pay nothing for it. The change report (every write, delete and invalidation,
 * including those arriving over the bus) outdates Keel's own Redis reads of that key in flight.
 */
class MemoryTier implements L1CacheDriver {
  readonly type = 'l1' as const;

  constructor(
    private readonly inner: MemoryDriver,
    private readonly onMiss: ((key: string) => void) | undefined,
    private readonly reads: ReadsInFlight | undefined,
  ) {}

  get(key: string): string | undefined {
    const value = this.inner.get(key);
    if (value === undefined) this.onMiss?.(key);
    return value;
  }

  namespace(namespace: string): L1CacheDriver {
    return this.inner.namespace(namespace);
  }

  pull(key: string): string | undefined {
    this.reads?.changed(key);
    return this.inner.pull(key);
  }

  set(key: string, value: string, ttl?: number): boolean {
    this.reads?.changed(key);
    return this.inner.set(key, value, ttl);
  }

  getRemainingTtl(key: string): number | undefined {
    return this.inner.getRemainingTtl(key);
  }

  clear(): void {
    this.reads?.changedAll();
    this.inner.clear();
  }

  delete(key: string): boolean {
    this.reads?.changed(key);
    return this.inner.delete(key);
  }

  deleteMany(keys: string[]): boolean {
    for (const key of keys) this.reads?.changed(key);
    return this.inner.deleteMany(keys);
  }

  disconnect(): Promise<void> {
    return this.inner.disconnect();
  }
}

/**
 * The memory tier of a cache: bentocache's memory driver, handed to `created` (the stats and the
 * memory hits read it), wrapped to report misses to `onMiss` and changes to `reads` when given.
 */
export function memoryTier(
  driver: CreateDriverResult<MemoryDriver>,
  created: (driver: MemoryDriver) => void,
  onMiss: ((key: string) => void) | undefined,
  reads?: ReadsInFlight,
): CreateDriverResult<L1CacheDriver> {
  return {
    options: driver.options,
    factory: (config) => {
      const inner = driver.factory(config);
      created(inner);
      return onMiss || reads ? new MemoryTier(inner, onMiss, reads) : inner;
    },
  };
}
