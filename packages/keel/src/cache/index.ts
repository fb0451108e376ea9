/**
 * `keel/cache`: a two-tier cache (memory, then Redis) built on bentocache, kept in step across
 * instances, with one loader per missing key, grace periods, namespaces, tags and stats.
 * @module
 */
export { type CacheAdminGuard, type CacheAdminRoutesOptions, cacheAdminRoutes } from './admin-routes.js';
export { cacheable } from './cacheable.js';
export { type CachedOptions, type CacheLoader, createCache, KeelCache } from './keel-cache.js';
export {
  type CacheConsistency,
  type CacheEntryOptions,
  type CacheOptions,
  DEFAULT_NAMESPACE,
  type NamespaceOptions,
  type ResolvedCacheOptions,
} from './options.js';
export type { RedisStats } from './redis-stats.js';
export type { CacheStats, NamespaceStats, RedisTierStats } from './stats-types.js';
