import type { RedisStats } from './redis-stats.js';

/**
 * Stats of one namespace in this process.
 *
 * @example
 * ```ts
 * const users: NamespaceStats | undefined = (await cache.stats()).namespaces.users;
 * console.log(users?.hitRate);
 * ```
 */
export interface NamespaceStats {
  hits: number;
  misses: number;
  /** `hits / (hits + misses)`, 0 before any read. */
  hitRate: number;
  /** Hits answered by the memory tier. */
  memoryHits: number;
  /** Hits answered by the Redis tier. */
  redisHits: number;
  /** Hits that served an expired (graced) value. */
  gracedHits: number;
  /** Entries of this namespace in this process's memory tier. */
  memoryEntries: number;
  /** Their serialized size (keys and values), in bytes. */
  memoryBytes: number;
}

/**
 * The Redis tier as seen by this process: `up`, `recovering` (Redis answers, the cache is not back
 * yet) or `down`.
 *
 * @example
 * ```ts
 * const { redis } = await cache.stats();
 * if (redis?.status === 'down') console.warn(`Redis down since ${redis.since}: ${redis.error}`);
 * ```
 */
export type RedisTierStats =
  | ({ status: 'up' } & RedisStats)
  | ({ status: 'recovering' } & RedisStats)
  | { status: 'down'; error: string; since: string | undefined };

/**
 * What `cache.stats()` answers (and `GET /admin/cache/stats` sends).
 *
 * @example
 * ```ts
 * const stats: CacheStats = await cache.stats();
 * for (const [namespace, s] of Object.entries(stats.namespaces)) console.log(namespace, s.hits, s.misses);
 * ```
 */
export interface CacheStats {
  namespaces: Record<string, NamespaceStats>;
  /** `null` for a memory-only cache. */
  redis: RedisTierStats | null;
}
