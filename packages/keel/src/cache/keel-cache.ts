import { UsageError } from '../errors/index.js';
import type { Component, ComponentContext } from '../service/index.js';
import { memoryTtlMs } from './bento-options.js';
import { type CachedOptions, cachedCalls, claimCachedName } from './cached.js';
import { toCacheError } from './errors.js';
import { FreshLoads } from './fresh-loads.js';
import { type CacheLoader, getOrSetLeased } from './leased-load.js';
import { startCache, stopCache } from './lifecycle.js';
import { ABSENT, NOT_FRESH } from './memory-hits.js';
import type { NamespaceKeys } from './namespace-generations.js';
import {
  type CacheConsistency,
  type CacheEntryOptions,
  type CacheKeyOptions,
  type CacheOptions,
  DEFAULT_NAMESPACE,
  type NamespaceOptions,
} from './options.js';
import { OutageRecovery } from './recovery.js';
import { type CacheParts, createCacheParts } from './setup.js';
import { readCacheStats } from './stats-report.js';
import type { CacheStats } from './stats-types.js';
import { getOrSetUncached } from './uncached-load.js';
import * as check from './validation.js';
import type { WarmUp } from './warm-up.js';
import { CacheWrites } from './writes.js';

/**
 * Keel's cache component (named `cache`), built on bentocache: a memory tier in every process and,
 * with `redisUrl`, a Redis tier shared by every instance, whose pub/sub bus keeps each instance's
 * memory tier in step. One loader runs per missing key across all instances; expired values are
 * served while they refresh or when their loader fails; a Redis outage never fails a read, and what
 * was written meanwhile is replayed once Redis is back so no stale value outlives the outage.
 * While instances cannot tell each other about writes (an outage, until every instance has
 * recovered), a namespace is read from its loader (`consistency: 'strict'`, the default) or keeps
 * serving memory (`'eventual'`, for data where staleness is acceptable). Misuse (bad options or
 * arguments, registering after start) throws a `UsageError`.
 *
 * @example
 * ```ts
 * const cache = createCache({ redisUrl: process.env.REDIS_URL, prefix: 'planner' });
 * service.add(cache);
 * const user = await cache.getOrSet(`user:${id}`, () => users.find(id), { namespace: 'users', ttlMs: 60_000 });
 * await cache.delete(`user:${id}`, { namespace: 'users' }); // after an update, on every instance
 * ```
 */
export class KeelCache implements Component {
  readonly name = 'cache';
  private readonly parts: CacheParts;
  private readonly recovery: OutageRecovery;
  private readonly writes: CacheWrites;
  private readonly freshLoads = new FreshLoads();
  private readonly warmUps: WarmUp[] = [];
  // How long a value copied from Redis stays in memory under the cache's own options.
  private readonly memoryTtlMs: number;
  private started = false;

  constructor(options: CacheOptions = {}) {
    this.parts = createCacheParts(check.resolveCacheOptions(options));
    this.memoryTtlMs = memoryTtlMs({}, this.parts.options);
    this.recovery = new OutageRecovery(this.parts);
    this.writes = new CacheWrites(this.parts, this.recovery);
  }

  /**
   * True while Redis is configured but unreachable or not yet recovered, on this instance or on
   * another one (strict namespaces read from their loaders, eventual ones from memory and loaders).
   */
  get degraded(): boolean {
    return this.parts.outage.degraded || !this.parts.outage.settled;
  }

  /** The consistency mode of `namespace`: its own if declared, else the cache's. */
  consistencyOf(namespace: string): CacheConsistency {
    return this.parts.consistency.of(check.checkNamespace('cache.consistencyOf', namespace));
  }

  /**
   * Declares namespaces and their options, before `start` (a feature declares its own after the cache
   * is built). A namespace declared twice, or a call after `start`, is a `UsageError`.
   *
   * @example
   * ```ts
   * cache.addNamespaces({ 'feature-flags': { consistency: 'eventual' }, users: {} });
   * ```
   */
  addNamespaces(namespaces: Record<string, NamespaceOptions>): this {
    const what = 'cache.addNamespaces';
    if (this.started) throw new UsageError(`${what}: the cache has started; declare namespaces before start`);
    this.parts.consistency.declare(what, check.checkNamespaceRecord(namespaces));
    return this;
  }

  /**
   * The cached value of `key`, or the loader's value (cached) on a miss. Concurrent misses of one key
   * run `loader` once per process and, with Redis, once across instances. An expired value within its
   * grace period is served at once (or after the soft `timeoutMs`) while it refreshes in the background,
   * and when the loader fails. Throws the loader's own error when there is nothing to fall back on.
   * In a strict namespace, while another instance may write without telling this one (see
   * {@link degraded}), every call runs the loader and caches nothing; its cached copy is only the
   * fallback when the loader fails.
   *
   * @example
   * ```ts
   * const events = await cache.getOrSet(`events:${userId}`, () => loadEvents(userId), {
   *   namespace: 'events', ttlMs: 30_000, tags: [`user-${userId}`],
   * });
   * ```
   */
  getOrSet<T>(key: string, loader: CacheLoader<T>, options?: CacheEntryOptions): Promise<T> {
    try {
      check.checkKey('cache.getOrSet', key);
      check.checkFunction('cache.getOrSet', 'loader', loader);
      const o = check.checkEntryOptions('cache.getOrSet', options);
      const namespace = o.namespace ?? DEFAULT_NAMESPACE;
      const parts = this.parts;
      // One field read while healthy: the memory-hit path pays nothing more.
      if (!parts.outage.settled && parts.consistency.isStrict(namespace)) {
        const fullKey = parts.generations.keyPrefix(namespace) + key;
        return getOrSetUncached(parts, this.freshLoads, key, fullKey, loader, o, namespace);
      }
      const keys = parts.generations.keysOf(namespace);
      const hit = this.memoryHit(keys, namespace, key);
      if (hit !== ABSENT && hit !== NOT_FRESH) return Promise.resolve(hit as T);
      const fullKey = keys.key + key;
      const given = options === undefined ? undefined : o;
      const redisHits = parts.redisHits;
      if (hit === ABSENT && redisHits?.usable()) {
        const memoryTtl = given === undefined ? this.memoryTtlMs : memoryTtlMs(o, parts.options);
        return redisHits.read(fullKey, namespace, memoryTtl, true, () =>
          getOrSetLeased(parts, key, fullKey, loader, given),
        );
      }
      return getOrSetLeased(parts, key, fullKey, loader, given);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The fresh cached value of `key`, or `undefined`. Never runs a loader and never serves an expired
   * value; in a strict namespace, `undefined` while another instance may write without telling this one.
   *
   * @example
   * ```ts
   * const user = await cache.get<User>(`user:${id}`, { namespace: 'users' });
   * ```
   */
  get<T>(key: string, options?: CacheKeyOptions): Promise<T | undefined> {
    try {
      check.checkKey('cache.get', key);
      const namespace = check.checkKeyOptions('cache.get', options).namespace ?? DEFAULT_NAMESPACE;
      const parts = this.parts;
      // What memory holds of a strict namespace might be stale while instances may miss each other's writes.
      if (!parts.outage.settled && parts.consistency.isStrict(namespace)) return Promise.resolve(undefined);
      const keys = parts.generations.keysOf(namespace);
      const hit = this.memoryHit(keys, namespace, key);
      if (hit !== ABSENT && hit !== NOT_FRESH) return Promise.resolve(hit as T);
      const fullKey = keys.key + key;
      const redisHits = parts.redisHits;
      // A read without grace: bentocache keeps what it copies from Redis for the ttl.
      if (hit === ABSENT && redisHits?.usable()) {
        return redisHits.read(fullKey, namespace, parts.options.ttlMs, false, () => this.readThrough<T>(key, fullKey));
      }
      return this.readThrough<T>(key, fullKey);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // A plain fresh memory hit, counted (bentocache emits no event for it); else ABSENT or NOT_FRESH.
  private memoryHit(keys: NamespaceKeys, namespace: string, key: string): unknown {
    const hit = this.parts.memoryHits.read(keys, key);
    if (hit !== ABSENT && hit !== NOT_FRESH) this.parts.counters.countHit(namespace, false);
    return hit;
  }

  // bentocache's full read path, for everything but a plain fresh hit.
  private async readThrough<T>(key: string, fullKey: string): Promise<T | undefined> {
    try {
      return await this.parts.root.get<T>({ key: fullKey, grace: false });
    } catch (error) {
      throw toCacheError(error, key);
    }
  }

  /**
   * Stores `value` (not `undefined`) on every tier; other instances drop their memory copy at once.
   *
   * @example
   * ```ts
   * await cache.set(`user:${user.id}`, user, { namespace: 'users', ttlMs: 60_000 });
   * ```
   */
  async set<T>(key: string, value: T, options?: CacheEntryOptions): Promise<void> {
    check.checkKey('cache.set', key);
    const o = check.checkEntryOptions('cache.set', options);
    await this.writes.set(key, this.parts.generations.keyPrefix(o.namespace ?? DEFAULT_NAMESPACE) + key, value, o);
  }

  /**
   * Deletes `key` from every tier and every instance's memory.
   *
   * @example
   * ```ts
   * await cache.delete(`user:${id}`, { namespace: 'users' });
   * ```
   */
  async delete(key: string, options?: CacheKeyOptions): Promise<void> {
    check.checkKey('cache.delete', key);
    const namespace = check.checkKeyOptions('cache.delete', options).namespace ?? DEFAULT_NAMESPACE;
    await this.writes.delete(key, this.parts.generations.keyPrefix(namespace) + key);
  }

  /**
   * Invalidates every entry carrying one of `tags`, in every namespace and on every instance.
   *
   * @example
   * ```ts
   * await cache.deleteByTag([`user-${userId}`]);
   * ```
   */
  async deleteByTag(tags: readonly string[]): Promise<void> {
    await this.writes.deleteByTag(check.checkTags('cache.deleteByTag', tags));
  }

  /**
   * Empties a namespace on every instance by moving it to a new generation (no scan of Redis keys;
   * the old entries expire on their own).
   *
   * @example
   * ```ts
   * await cache.clear('events');
   * ```
   */
  async clear(namespace: string): Promise<void> {
    await this.recovery.clear(check.checkNamespace('cache.clear', namespace));
  }

  /**
   * Wraps `fn` so its results are cached. Give a `key` function, a `name` (unique among this cache's
   * cached functions; keys are `<name>:<JSON of the arguments>`), or both (`<name>:<key(...args)>`):
   * without either, two functions would share keys, which is a `UsageError` here and now.
   *
   * @example
   * ```ts
   * const findUser = cache.cached((id: string) => users.find(id), { namespace: 'users', name: 'user', ttlMs: 60_000 });
   * ```
   */
  cached<A extends unknown[], R>(
    fn: (...args: A) => R | Promise<R>,
    options: CachedOptions<A>,
  ): (...args: A) => Promise<R> {
    check.checkFunction('cache.cached', 'fn', fn);
    const calls = cachedCalls('cache.cached', options);
    claimCachedName('cache.cached', this, calls.name);
    return (...args: A) => this.getOrSet(calls.keyOf(...args), () => fn(...args), calls.entryOf(...args));
  }

  /**
   * Registers a function that fills the cache when the service starts, before `start`. `start` waits
   * for the warm-ups at most `warmUpTimeoutMs`; the rest finish in the background.
   *
   * @example
   * ```ts
   * cache.warmUp('settings', async () => { await cache.set('settings', await loadSettings()); });
   * ```
   */
  warmUp(name: string, run: () => Promise<void>): this {
    if (this.started) throw new UsageError('cache.warmUp: the cache has started; register warm-ups before start');
    this.warmUps.push(check.checkWarmUp(name, run));
    return this;
  }

  /**
   * Hits, misses, hit rate and memory use per namespace, and what Redis reports about itself.
   *
   * @example
   * ```ts
   * const { namespaces, redis } = await cache.stats();
   * ```
   */
  stats(): Promise<CacheStats> {
    return readCacheStats(this.parts, this.degraded);
  }

  /** Connects Redis (a Redis that does not answer starts the cache degraded), then runs the warm-ups. */
  async start(context: ComponentContext): Promise<void> {
    this.started = true;
    await startCache(this.parts, this.recovery, this.warmUps, () => this.stats(), context);
  }

  /** Closes the Redis connections. */
  async stop(): Promise<void> {
    await stopCache(this.parts, this.recovery);
  }
}

/**
 * Creates the cache component.
 *
 * @example
 * ```ts
 * const cache = createCache({
 *   redisUrl: 'redis://127.0.0.1:6379',
 *   prefix: 'planner',
 *   ttlMs: 60_000,
 *   namespaces: { 'feature-flags': { consistency: 'eventual' } }, // every other namespace is strict
 * });
 * ```
 */
export function createCache(options?: CacheOptions): KeelCache {
  return new KeelCache(options);
}
