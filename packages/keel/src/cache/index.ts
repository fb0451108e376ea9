/**
 * `keel/cache`: a two-tier cache (memory, then Redis) built on bentocache, kept in step across
 * instances, with one loader per missing key, grace periods, namespaces, tags and stats.
 * @module
 */
export { cacheAdminRoutes } from './admin-routes.js';
export { cacheable } from './cacheable.js';
export type { CachedOptions } from './cached.js';
export { type CacheConfig, cacheConfigSchema, cacheOptionsFromConfig } from './config.js';
export { createCache, KeelCache } from './keel-cache.js';
export type { CacheLoader } from './leased-load.js';
export {
  type CacheConsistency,
  type CacheEntryOptions,
  type CacheKeyOptions,
  type CacheOptions,
  DEFAULT_NAMESPACE,
  type NamespaceOptions,
} from './options.js';
export type { RedisStats } from './redis-stats.js';
export type { CacheStats, NamespaceStats, RedisTierStats } from './stats-types.js';
