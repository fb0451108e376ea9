import type { MemoryDriver } from 'bentocache/drivers/memory';
import type { CacheCounters } from './cache-stats.js';
import type { LoadLeases } from './load-leases.js';
import { type MemoryHits, NOT_FRESH } from './memory-hits.js';
import type { RedisOutage } from './outage.js';
import type { ReadsInFlight } from './reads-in-flight.js';
import type { RedisTier } from './redis-tier.js';

/**
 * Redis-tier hits answered without bentocache's per-call work (its options object, its per-key
 * mutex, re-serializing the entry for memory): when memory lacks a key, Keel reads Redis itself, as
 * bentocache's Redis tier would, and on a plain fresh entry copies it into memory and answers. Any
 * other read (nothing there, a load in progress, expired, tagged beyond what memory can check) is
 * handed to bentocache's full path, which takes it instead of reading Redis again. A read whose key
 * changed in memory meanwhile (a write, a delete or an invalidation, from any instance) is not copied.
 *
 * @example
 * ```ts
 * const user = await redisHits.read('users:0:42', 'users', 60_000, true, () => getOrSetLeased(...));
 * ```
 */
export class RedisHits {
  constructor(
    private readonly tier: RedisTier,
    private readonly memory: MemoryDriver,
    private readonly hits: MemoryHits,
    private readonly reads: ReadsInFlight,
    private readonly leases: LoadLeases,
    private readonly outage: RedisOutage,
    private readonly counters: CacheCounters,
    private readonly circuitBreakerDurationMs: number,
  ) {}

  /** True when Keel may read Redis itself: Redis in use and bentocache's circuit breaker closed. */
  usable(): boolean {
    const outage = this.outage;
    return (
      !outage.degraded && (outage.lastThrowAt === 0 || Date.now() >= outage.lastThrowAt + this.circuitBreakerDurationMs)
    );
  }

  /**
   * The value of `fullKey` (missing from memory) from Redis, kept in memory for `memoryTtlMs` as
   * bentocache would; else `fallback()` (bentocache's path). `loads` when the caller runs a loader
   * on a miss: its read then takes part in the load leases, as bentocache's own read would.
   */
  async read<T>(
    fullKey: string,
    namespace: string,
    memoryTtlMs: number,
    loads: boolean,
    fallback: () => Promise<T>,
  ): Promise<T> {
    const reads = this.reads.begin(fullKey);
    let left: { value: string | undefined } | undefined;
    if (loads) this.leases.missedMemory(fullKey);
    try {
      let raw: string | undefined;
      try {
        raw = await this.tier.readAhead(fullKey);
      } catch {
        // The tier marked the outage: bentocache's path now goes to memory and the loader.
        return await fallback();
      }
      if (raw !== undefined) {
        const value = this.hits.freshValue(raw);
        if (value !== NOT_FRESH) {
          if (!reads.changed) this.memory.set(fullKey, raw, memoryTtlMs);
          this.counters.countHit(namespace, true);
          return value as T;
        }
      }
      if (!reads.changed) {
        left = { value: raw };
        reads.left = left;
      }
      return await fallback();
    } finally {
      if (left !== undefined && reads.left === left) reads.left = undefined;
      this.reads.end(fullKey, reads);
      if (loads) this.leases.unwant(fullKey);
    }
  }
}
