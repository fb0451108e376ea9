import type { Logger } from 'pino';

/**
 * How a namespace shared across instances behaves while Redis cannot tell them about each other's
 * writes (an outage, and the recovery until every instance is back): `'strict'` reads from the loader
 * rather than from a memory copy that might be stale; `'eventual'` keeps serving memory (staleness accepted).
 *
 * @example
 * ```ts
 * const consistency: CacheConsistency = 'eventual';
 * createCache({ namespaces: { 'feature-flags': { consistency } } });
 * ```
 */
export type CacheConsistency = 'strict' | 'eventual';

/**
 * Options of one namespace, given to `createCache({ namespaces })` or `cache.addNamespaces()`.
 *
 * @example
 * ```ts
 * const flags: NamespaceOptions = { consistency: 'eventual' };
 * cache.addNamespaces({ 'feature-flags': flags });
 * ```
 */
export interface NamespaceOptions {
  /** Default: the cache's `consistency`. */
  consistency?: CacheConsistency;
}

/**
 * Options of {@link createCache}. Every duration is in milliseconds and its name ends in `Ms`.
 *
 * @example
 * ```ts
 * const options: CacheOptions = { redisUrl: 'redis://127.0.0.1:6379', prefix: 'planner', ttlMs: 60_000 };
 * const cache = createCache(options);
 * ```
 */
export interface CacheOptions {
  /** Redis URL (`redis://host:port/db` or `rediss://`); without it the cache is memory-only. Default: none. */
  redisUrl?: string;
  /** Prefix of every Redis key and of the Redis pub/sub channels; give each app or test its own. Default: `'keel'`. */
  prefix?: string;
  /** How long a value is fresh. Default: 300000 (5 minutes). */
  ttlMs?: number;
  /**
   * How long after its write a value is kept, so that once expired (past `ttlMs`) it is served while
   * it refreshes or when its loader fails. Counted from the write, like `ttlMs` (bentocache's grace):
   * with grace on, a value is dropped `graceMs` after its write even when its `ttlMs` is longer, so
   * keep it above `ttlMs`. `0` turns grace off.
   * Default: 3600000 (1 hour).
   */
  graceMs?: number;
  /** After a loader failed and a graced value was served, how long before the loader is tried again. Default: 10000. */
  graceBackoffMs?: number;
  /** Soft timeout: how long a loader may run before a graced value is served instead (it keeps running in the background); `0` serves the graced value at once. Default: 0. */
  timeoutMs?: number;
  /** Hard timeout: past this a loader with no graced value fails with a `TimeoutError`. Default: none. */
  hardTimeoutMs?: number;
  /** How long a call waits for another call of the same process loading the same key before loading itself. Default: none (waits). */
  lockTimeoutMs?: number;
  /** Memory tier limits. */
  memory?: {
    /** Most entries kept in memory. Default: 10000. */
    maxItems?: number;
    /** Most bytes kept in memory (serialized size). Default: 67108864 (64 MiB). */
    maxSize?: number;
  };
  /** Redis behaviour; only used with `redisUrl`. */
  redis?: {
    /** A Redis command unanswered this long (checked every quarter of it) counts as a failure. Default: 100. */
    commandTimeoutMs?: number;
    /** How long the Redis tier is skipped after a failure before it is tried again. Default: 1000. */
    circuitBreakerDurationMs?: number;
    /** How often a degraded cache checks whether Redis is back. Default: 250. */
    recoveryIntervalMs?: number;
    /** How long one instance holds a key's cross-instance load lease at most (an instance that dies while loading holds up the others this long). Default: 10000. */
    lockTtlMs?: number;
    /** How long a call waits for another instance's loader before loading itself. Default: 5000. */
    lockWaitMs?: number;
    /** How long a write waits for the other instances to confirm they dropped their memory copy. Default: 1000. */
    ackTimeoutMs?: number;
    /** After an outage, how long to wait for the other instances to recover before strict namespaces are cached again (an instance that died meanwhile never answers). Default: 10000. */
    settleTimeoutMs?: number;
  };
  /** How long `start` waits for warm-up functions before the service goes on starting. Default: 5000. */
  warmUpTimeoutMs?: number;
  /** Consistency of every namespace not listed in `namespaces`. Default: `'strict'`. */
  consistency?: CacheConsistency;
  /** Options per namespace, e.g. `{ 'feature-flags': { consistency: 'eventual' } }`; more with `addNamespaces`. Default: none. */
  namespaces?: Record<string, NamespaceOptions>;
  /** Logger for outages, recoveries and warm-up failures. Default: the component context's logger. */
  logger?: Logger;
}

/**
 * The namespace option of `get` and `delete`.
 *
 * @example
 * ```ts
 * const where: CacheKeyOptions = { namespace: 'users' };
 * await cache.delete(`user:${id}`, where);
 * ```
 */
export interface CacheKeyOptions {
  /** Namespace of the key, cleared together by `clear(namespace)`. Default: `'default'`. */
  namespace?: string;
}

/**
 * Per-call options of `getOrSet` and `set`. Unset fields take the cache's defaults.
 *
 * @example
 * ```ts
 * const entry: CacheEntryOptions = { namespace: 'events', ttlMs: 30_000, tags: ['user-42'] };
 * await cache.getOrSet('events:42', () => loadEvents('42'), entry);
 * ```
 */
export interface CacheEntryOptions extends CacheKeyOptions {
  /** Default: the cache's `ttlMs`. */
  ttlMs?: number;
  /** Default: the cache's `graceMs`. */
  graceMs?: number;
  /** Tags for `deleteByTag`. Default: none. */
  tags?: readonly string[];
  /** Soft timeout of the loader. Default: the cache's `timeoutMs`. */
  timeoutMs?: number;
  /** Hard timeout of the loader. Default: the cache's `hardTimeoutMs`. */
  hardTimeoutMs?: number;
}

/** The options of a cache with every default applied (internal: not exported from `keel/cache`). */
export interface ResolvedCacheOptions {
  redisUrl: string | undefined;
  prefix: string;
  ttlMs: number;
  graceMs: number;
  graceBackoffMs: number;
  timeoutMs: number;
  hardTimeoutMs: number | undefined;
  lockTimeoutMs: number | undefined;
  maxItems: number;
  maxSize: number;
  commandTimeoutMs: number;
  circuitBreakerDurationMs: number;
  recoveryIntervalMs: number;
  lockTtlMs: number;
  lockWaitMs: number;
  ackTimeoutMs: number;
  settleTimeoutMs: number;
  warmUpTimeoutMs: number;
  consistency: CacheConsistency;
  namespaces: ReadonlyMap<string, CacheConsistency>;
  logger: Logger | undefined;
}

/**
 * The namespace of keys given without one.
 *
 * @example
 * ```ts
 * const { namespaces } = await cache.stats();
 * console.log(namespaces[DEFAULT_NAMESPACE]?.hits);
 * ```
 */
export const DEFAULT_NAMESPACE = 'default';
