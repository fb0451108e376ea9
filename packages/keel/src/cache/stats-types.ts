import type { RedisStats } from './redis-stats.js';

/** Stats of one namespace. */
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

/** The Redis tier as seen by this process. */
export type RedisTierStats =
  | ({ status: 'up' } & RedisStats)
  | ({ status: 'recovering' } & RedisStats)
  | { status: 'down'; error: string; since: string | undefined };

/** What {@link KeelCache.stats} answers (and `GET /admin/cache_stats` sends). */
export interface CacheStats {
  namespaces: Record<string, NamespaceStats>;
  /** `null` for a memory-only cache. */
  redis: RedisTierStats | null;
}
