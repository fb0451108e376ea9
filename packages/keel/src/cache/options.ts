import type { Logger } from 'pino';

/**
 * How a namespace shared across instances behaves while Redis cannot tell them about each other's
 * writes (an outage, and the recovery until every instance is back): `'strict'` reads from the loader
 * rather than from a memory copy that might be stale; `'eventual'` keeps serving memory (staleness accepted).
 */
export type CacheConsistency = 'strict' | 'eventual';

/** Options of one namespace. */
export interface NamespaceOptions {
  /** Default: the cache's `consistency`. */
  consistency?: CacheConsistency;
}

/** Options of {@link createCache}. Durations are in milliseconds. */
export interface CacheOptions {
  /** Redis URL (`redis://host:port/db`); without it the cache is memory-only. Default: none. */
  redisUrl?: string;
  /** Prefix of every Redis key and of the Redis pub/sub channels; give each app or test its own. Default: `'keel'`. */
  prefix?: string;
  /** How long a value is fresh. Default: 300000 (5 minutes). */
  ttl?: number;
  /** How long an expired value is kept to be served while it refreshes or when its loader fails; `0` turns grace off. Default: 3600000 (1 hour). */
  grace?: number;
  /** After a loader failed and a graced value was served, how long before the loader is tried again. Default: 10000. */
  graceBackoff?: number;
  /** Soft timeout: how long a loader may run before a graced value is served instead (it keeps running in the background); `0` serves the graced value at once. Default: 0. */
  timeout?: number;
  /** Hard timeout: past this a loader with no graced value fails with a `TimeoutError`. Default: none. */
  hardTimeout?: number;
  /** How long a call waits for another call of the same process loading the same key before loading itself. Default: none (waits). */
  lockTimeout?: number;
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
    commandTimeout?: number;
    /** How long the Redis tier is skipped after a failure before it is tried again. Default: 1000. */
    circuitBreakerDuration?: number;
    /** How often a degraded cache checks whether Redis is back. Default: 250. */
    recoveryInterval?: number;
    /** How long one instance holds a key's cross-instance load lease at most (an instance that dies while loading holds up the others this long). Default: 10000. */
    lockTtl?: number;
    /** How long a call waits for another instance's loader before loading itself. Default: 5000. */
    lockWait?: number;
    /** How long a write waits for the other instances to confirm they dropped their memory copy. Default: 1000. */
    ackTimeout?: number;
    /** After an outage, how long to wait for the other instances to recover before strict namespaces are cached again (an instance that died meanwhile never answers). Default: 10000. */
    settleTimeout?: number;
  };
  /** How long `start` waits for warm-up functions before the service goes on starting. Default: 5000. */
  warmUpTimeout?: number;
  /** Consistency of every namespace not listed in `namespaces`. Default: `'strict'`. */
  consistency?: CacheConsistency;
  /** Options per namespace, e.g. `{ 'feature-flags': { consistency: 'eventual' } }`. Default: none. */
  namespaces?: Record<string, NamespaceOptions>;
  /** Logger for outages, recoveries and warm-up failures. Default: the component context's logger. */
  logger?: Logger;
}

/** Per-call options of `getOrSet` and `set`. Unset fields take the cache's defaults. */
export interface CacheEntryOptions {
  /** Namespace of the key, cleared together by `clear(namespace)`. Default: `'default'`. */
  namespace?: string;
  /** Default: the cache's `ttl`. */
  ttl?: number;
  /** Default: the cache's `grace`. */
  grace?: number;
  /** Tags for `deleteByTag`. Default: none. */
  tags?: readonly string[];
  /** Soft timeout of the loader. Default: the cache's `timeout`. */
  timeout?: number;
  /** Hard timeout of the loader. Default: the cache's `hardTimeout`. */
  hardTimeout?: number;
}

/** The options of a cache with every default applied. */
export interface ResolvedCacheOptions {
  redisUrl: string | undefined;
  prefix: string;
  ttl: number;
  grace: number;
  graceBackoff: number;
  timeout: number;
  hardTimeout: number | undefined;
  lockTimeout: number | undefined;
  maxItems: number;
  maxSize: number;
  commandTimeout: number;
  circuitBreakerDuration: number;
  recoveryInterval: number;
  lockTtl: number;
  lockWait: number;
  ackTimeout: number;
  settleTimeout: number;
  warmUpTimeout: number;
  consistency: CacheConsistency;
  namespaces: ReadonlyMap<string, CacheConsistency>;
  logger: Logger | undefined;
}

/** The namespace of keys given without one. */
export const DEFAULT_NAMESPACE = 'default';
