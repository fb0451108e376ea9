import { setTimeout as sleep } from 'node:timers/promises';
import { BentoCache, type BentoStore, bentostore } from 'bentocache';
import { type MemoryDriver, memoryDriver } from 'bentocache/drivers/memory';
import type { CacheProvider, GetSetFactoryContext, SetCommonOptions } from 'bentocache/types';
import { type Logger, pino } from 'pino';
import { UnavailableError, ValidationError } from '../errors/index.js';
import type { Component, ComponentContext } from '../service/index.js';
import { AckedPubSub } from './acked-pubsub.js';
import { registerCacheMetrics } from './cache-metrics.js';
import { CacheCounters } from './cache-stats.js';
import { NamespaceConsistency } from './consistency.js';
import { toCacheError } from './errors.js';
import { FreshLoads } from './fresh-loads.js';
import { type LeaseClaim, LoadLeases } from './load-leases.js';
import { memoryTier } from './memory-tier.js';
import { MemoryTierView } from './memory-view.js';
import { NamespaceGenerations } from './namespace-generations.js';
import { type CacheEntryOptions, type CacheOptions, DEFAULT_NAMESPACE, type ResolvedCacheOptions } from './options.js';
import { isJournalEmpty, type OutageJournal, RedisOutage } from './outage.js';
import { RecoveredPeers } from './recovered-peers.js';
import { redisBus } from './redis-bus-transport.js';
import { closeRedisClients, connectRedisClients, createRedisClients, type RedisClients } from './redis-clients.js';
import { readRedisStats } from './redis-stats.js';
import { redisTier } from './redis-tier.js';
import type { CacheStats, NamespaceStats, RedisTierStats } from './stats-types.js';
import { loadUncached } from './uncached-load.js';
import { checkEntryOptions, checkKey, checkNamespace, checkTags, resolveCacheOptions } from './validation.js';
import { runWarmUps, type WarmUp } from './warm-up.js';

// After an outage: how long one query waits for the other instances' answers, and the pause between queries.
const SETTLE_QUERY_MS = 200;
const SETTLE_PAUSE_MS = 50;
// How often a healthy instance counts the others (what it waits for after an outage).
const PEER_COUNT_MS = 1000;

/** Computes a value on a miss. It may return `null`, never `undefined`. */
export type CacheLoader<T> = () => T | Promise<T>;

/**
 * Keel's cache component (named `cache`), built on bentocache: a memory tier in every process and,
 * with `redisUrl`, a Redis tier shared by every instance, whose pub/sub bus keeps each instance's
 * memory tier in step. One loader runs per missing key across all instances; expired values are
 * served while they refresh or when their loader fails; a Redis outage never fails a read, and what
 * was written meanwhile is replayed once Redis is back so no stale value outlives the outage.
 * While instances cannot tell each other about writes (an outage, until every instance has
 * recovered), a namespace is read from its loader (`consistency: 'strict'`, the default) or keeps
 * serving memory (`'eventual'`, for data where staleness is acceptable).
 *
 * @example
 * ```ts
 * const cache = createCache({ redisUrl: process.env.REDIS_URL, prefix: 'planner' });
 * service.add(cache);
 * const user = await cache.getOrSet(`user:${id}`, () => users.find(id), { namespace: 'users', ttl: 60_000 });
 * await cache.delete(`user:${id}`, { namespace: 'users' }); // after an update, on every instance
 * ```
 */
export class KeelCache implements Component {
  readonly name = 'cache';
  /** The options, defaults applied. */
  readonly options: ResolvedCacheOptions;
  private readonly bento: BentoCache<Record<string, BentoStore>>;
  private readonly root: CacheProvider;
  private readonly clients: RedisClients | undefined;
  private readonly outage: RedisOutage;
  private readonly pubsub: AckedPubSub | undefined;
  private readonly leases: LoadLeases | undefined;
  private readonly generations: NamespaceGenerations;
  private readonly consistency: NamespaceConsistency;
  private readonly peers: RecoveredPeers | undefined;
  private peersCountedAt = 0;
  private probing = false;
  private readonly freshLoads = new FreshLoads();
  private readonly memory: MemoryTierView;
  private readonly counters = new CacheCounters();
  private readonly warmUps: WarmUp[] = [];
  private logger: Logger;
  private recoveryTimer: NodeJS.Timeout | undefined;
  private recovering: Promise<boolean> | undefined;
  private stopping = false;

  constructor(options: CacheOptions = {}) {
    const o = resolveCacheOptions(options);
    this.options = o;
    this.logger = o.logger ?? pino({ enabled: false });
    this.outage = new RedisOutage(o.redisUrl !== undefined, (reason) => {
      if (!this.stopping) this.logger.warn({ reason }, 'cache: Redis unreachable, serving from memory and loaders');
    });
    this.clients = o.redisUrl ? createRedisClients(o.redisUrl, o.commandTimeout) : undefined;
    if (this.clients) this.watchConnections(this.clients);
    this.leases = this.clients ? new LoadLeases(this.clients.command, o.prefix, o.lockTtl) : undefined;
    this.consistency = new NamespaceConsistency(o.consistency, o.namespaces);

    let l1: MemoryDriver | undefined;
    const leases = this.leases;
    const store = bentostore().useL1Layer(
      memoryTier(
        memoryDriver({ maxItems: o.maxItems, maxSize: o.maxSize }),
        (driver) => {
          l1 = driver;
        },
        leases && ((key) => leases.memoryMiss(key)),
      ),
    );
    this.pubsub = this.clients
      ? new AckedPubSub(this.clients.publisher, this.clients.subscriber, o.ackTimeout, `keel-cache:${o.prefix}`, () =>
          this.outage.bypass(),
        )
      : undefined;
    this.peers =
      this.clients && this.pubsub
        ? new RecoveredPeers(this.clients.command, this.pubsub, o.prefix, () => this.outage.degraded)
        : undefined;
    if (this.clients && this.pubsub && this.leases) {
      store
        .useL2Layer(redisTier(this.clients.command, o.prefix, this.outage, this.leases))
        .useBus(redisBus(this.pubsub));
    }
    this.bento = new BentoCache({
      default: o.prefix,
      // The store name is part of the bus channel: one channel per prefix.
      stores: { [o.prefix]: store },
      prefix: o.prefix,
      ttl: o.ttl,
      grace: o.grace > 0 ? o.grace : false,
      graceBackoff: o.graceBackoff,
      timeout: o.timeout,
      ...(o.hardTimeout === undefined ? {} : { hardTimeout: o.hardTimeout }),
      ...(o.lockTimeout === undefined ? {} : { lockTimeout: o.lockTimeout }),
      l2CircuitBreakerDuration: o.circuitBreakerDuration,
    });
    this.root = this.bento.use(o.prefix);
    if (!l1) throw new Error('bentocache did not create the memory tier');
    this.memory = new MemoryTierView(l1, o.prefix);
    this.counters.attach(this.bento);
    this.generations = new NamespaceGenerations(o.prefix, this.clients, this.pubsub, (namespace) =>
      this.memory.dropStale(namespace, this.generations.keyPrefix(namespace)),
    );
    // A lease still held after bentocache's write means the write skipped Redis: give it back.
    this.bento.on('cache:written', ({ key }) => this.leases?.abandon(key));
    // bentocache only logically expires a tag-invalidated entry, which grace would serve again: drop it.
    this.bento.on('cache:expire', ({ key }) => {
      void this.root.delete({ key }).catch(() => undefined);
    });
  }

  /**
   * True while Redis is configured but unreachable or not yet recovered, on this instance or on
   * another one (strict namespaces read from their loaders, eventual ones from memory and loaders).
   */
  get degraded(): boolean {
    return this.outage.degraded || !this.outage.settled;
  }

  /**
   * The cached value of `key`, or the loader's value (cached) on a miss. Concurrent misses of one key
   * run `loader` once per process and, with Redis, once across instances. An expired value within its
   * grace period is served at once (or after the soft `timeout`) while it refreshes in the background,
   * and when the loader fails. Throws the loader's own error when there is nothing to fall back on.
   * In a strict namespace, while another instance may write without telling this one (see
   * {@link degraded}), every call runs the loader and caches nothing; its cached copy is only the
   * fallback when the loader fails.
   *
   * @example
   * ```ts
   * const events = await cache.getOrSet(`events:${userId}`, () => loadEvents(userId), {
   *   namespace: 'events', ttl: 30_000, tags: [`user-${userId}`],
   * });
   * ```
   */
  async getOrSet<T>(key: string, loader: CacheLoader<T>, options?: CacheEntryOptions): Promise<T> {
    checkKey(key);
    const o = checkEntryOptions(options);
    if (typeof loader !== 'function') throw notAFunction('loader');
    const namespace = o.namespace ?? DEFAULT_NAMESPACE;
    const fullKey = this.generations.keyPrefix(namespace) + key;
    // One field read while healthy: the memory-hit path pays nothing more.
    if (!this.outage.settled && this.consistency.isStrict(namespace)) {
      return this.getOrSetUncached(key, fullKey, loader, o, namespace);
    }
    const factory = (ctx: GetSetFactoryContext) => this.load(fullKey, loader, ctx);
    // bentocache spreads this object on every call: one literal shape when no option is given is cheaper.
    const call = options === undefined ? { key: fullKey, factory } : { ...this.bentoOptions(o), key: fullKey, factory };
    const leases = this.leases;
    leases?.beginOpening(fullKey);
    let pending: Promise<T>;
    let missedMemory = false;
    try {
      pending = this.root.getOrSet<T>(call);
    } finally {
      missedMemory = leases?.endOpening() ?? false;
    }
    try {
      return await pending;
    } catch (error) {
      throw toCacheError(error, key);
    } finally {
      if (missedMemory) leases?.unwant(fullKey);
    }
  }

  /**
   * A strict namespace while another instance may write without telling this one: the loader's value,
   * not cached, and only shared with calls made before its load began ({@link FreshLoads}). When the
   * loader fails, the cache's copy is the fallback (as in any outage).
   */
  private async getOrSetUncached<T>(
    key: string,
    fullKey: string,
    loader: CacheLoader<T>,
    o: CacheEntryOptions,
    namespace: string,
  ): Promise<T> {
    this.counters.countMiss(namespace);
    try {
      const hardTimeoutMs = o.hardTimeout ?? this.options.hardTimeout;
      return await this.freshLoads.load(fullKey, () => loadUncached(key, loader, hardTimeoutMs));
    } catch (error) {
      if (error instanceof ValidationError) throw error;
      const fail = () => {
        throw error;
      };
      try {
        // A factory that only throws: bentocache serves what it holds (within grace), or this error.
        return await this.root.getOrSet<T>({ ...this.bentoOptions(o), key: fullKey, factory: fail });
      } catch (fallbackError) {
        throw toCacheError(fallbackError, key);
      }
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
  async get<T>(key: string, options?: { namespace?: string }): Promise<T | undefined> {
    checkKey(key);
    const o = checkEntryOptions(options);
    const namespace = o.namespace ?? DEFAULT_NAMESPACE;
    // What memory holds of a strict namespace might be stale while instances may miss each other's writes.
    if (!this.outage.settled && this.consistency.isStrict(namespace)) return undefined;
    const fullKey = this.generations.keyPrefix(namespace) + key;
    try {
      return await this.root.get<T>({ key: fullKey, grace: false });
    } catch (error) {
      throw toCacheError(error, key);
    }
  }

  /**
   * Stores `value` (not `undefined`) on every tier; other instances drop their memory copy at once.
   *
   * @example
   * ```ts
   * await cache.set(`user:${user.id}`, user, { namespace: 'users', ttl: 60_000 });
   * ```
   */
  async set<T>(key: string, value: T, options?: CacheEntryOptions): Promise<void> {
    checkKey(key);
    const o = checkEntryOptions(options);
    const fullKey = this.generations.keyPrefix(o.namespace ?? DEFAULT_NAMESPACE) + key;
    const call = this.bentoOptions(o) as SetCommonOptions & { key: string; value: unknown };
    call.key = fullKey;
    call.value = value;
    await this.journaled(
      (journal) => journal.keys.add(fullKey),
      () => this.root.set(call),
      key,
    );
  }

  /**
   * Deletes `key` from every tier and every instance's memory.
   *
   * @example
   * ```ts
   * await cache.delete(`user:${id}`, { namespace: 'users' });
   * ```
   */
  async delete(key: string, options?: { namespace?: string }): Promise<void> {
    checkKey(key);
    const o = checkEntryOptions(options);
    const fullKey = this.generations.keyPrefix(o.namespace ?? DEFAULT_NAMESPACE) + key;
    await this.journaled(
      (journal) => journal.keys.add(fullKey),
      () => this.root.delete({ key: fullKey }),
      key,
    );
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
    const checked = checkTags(tags);
    await this.journaled(
      (journal) => {
        for (const tag of checked) journal.tags.add(tag);
      },
      // One tag at a time would wait for every instance's ack once per tag: invalidate them all at once.
      () => Promise.all([...new Set(checked)].map((tag) => this.root.deleteByTag({ tags: [tag] }))),
      checked.join(','),
    );
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
    checkNamespace(namespace);
    if (!this.clients) {
      this.generations.bumpLocally(namespace);
      return;
    }
    if (!this.outage.degraded) {
      try {
        await this.generations.bump(namespace);
        return;
      } catch (error) {
        this.outage.markDown(error instanceof Error ? error.message : String(error), false);
      }
    }
    this.generations.bumpLocally(namespace);
    this.outage.journal.namespaces.add(namespace);
  }

  /**
   * Wraps `fn` so its results are cached under `options.key(...args)`.
   *
   * @example
   * ```ts
   * const findUser = cache.cached((id: string) => users.find(id), {
   *   namespace: 'users', key: (id) => id, ttl: 60_000,
   * });
   * ```
   */
  cached<A extends unknown[], R>(
    fn: (...args: A) => R | Promise<R>,
    options: CachedOptions<A>,
  ): (...args: A) => Promise<R> {
    if (typeof fn !== 'function') throw notAFunction('fn');
    const { key, tags, ...entry } = options;
    checkEntryOptions(entry);
    const keyOf = key ?? ((...args: A) => `${fn.name}:${JSON.stringify(args)}`);
    return (...args: A) =>
      this.getOrSet(keyOf(...args), () => fn(...args), {
        ...entry,
        ...(tags ? { tags: typeof tags === 'function' ? tags(...args) : tags } : {}),
      });
  }

  /**
   * Registers a function that fills the cache when the service starts. `start` waits for the
   * warm-ups at most `warmUpTimeout` ms; the rest finish in the background.
   *
   * @example
   * ```ts
   * cache.warmUp('settings', async () => { await cache.set('settings', await loadSettings()); });
   * ```
   */
  warmUp(name: string, run: () => Promise<void>): this {
    checkNamespace(name);
    if (typeof run !== 'function') throw notAFunction('run');
    this.warmUps.push({ name, run });
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
  async stats(): Promise<CacheStats> {
    const usage = this.memory.usage();
    const names = new Set([...this.counters.byNamespace.keys(), ...usage.keys()]);
    const namespaces: Record<string, NamespaceStats> = {};
    for (const namespace of [...names].sort()) {
      const c = this.counters.byNamespace.get(namespace);
      const u = usage.get(namespace);
      const hits = c?.hits ?? 0;
      const misses = c?.misses ?? 0;
      namespaces[namespace] = {
        hits,
        misses,
        hitRate: hits + misses === 0 ? 0 : hits / (hits + misses),
        memoryHits: c?.memoryHits ?? 0,
        redisHits: c?.redisHits ?? 0,
        gracedHits: c?.gracedHits ?? 0,
        memoryEntries: u?.entries ?? 0,
        memoryBytes: u?.bytes ?? 0,
      };
    }
    return { namespaces, redis: await this.redisStats() };
  }

  async start(context: ComponentContext): Promise<void> {
    this.logger = this.options.logger ?? context.logger;
    registerCacheMetrics(context.metrics, this);
    const clients = this.clients;
    if (clients) {
      const up = await connectRedisClients(clients, 2000);
      void this.generations.subscribe();
      // Counted before the first recovery, which waits for the instances counted.
      if (up) await this.peers?.count().catch(() => undefined);
      this.peersCountedAt = Date.now();
      if (!up || !(await this.recover())) this.logger.warn('cache: Redis unreachable at start, starting degraded');
      this.recoveryTimer = setInterval(() => this.tryRecover(), this.options.recoveryInterval);
      this.recoveryTimer.unref();
      context.health.register({
        name: 'cache-redis',
        critical: false,
        timeoutMs: 1000,
        check: async () => {
          await clients.command.ping();
          if (this.outage.degraded) throw new UnavailableError('Redis answers; the cache is still recovering');
          if (!this.outage.settled) {
            throw new UnavailableError('Redis answers; waiting for the other instances to recover');
          }
        },
      });
    }
    await runWarmUps(this.warmUps, this.options.warmUpTimeout, this.logger);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.recoveryTimer);
    await this.bento.disconnectAll().catch(() => undefined);
    if (this.clients) await closeRedisClients(this.clients);
  }

  /**
   * Runs the loader under this key's cross-instance lease ({@link LoadLeases}), or waits for the
   * instance that holds it and takes its value. The lease ends when bentocache writes the value to Redis.
   */
  private async load<T>(fullKey: string, loader: CacheLoader<T>, ctx: GetSetFactoryContext): Promise<T> {
    const leases = this.leases;
    if (!leases || this.outage.degraded) return loader();
    const deadline = Date.now() + this.options.lockWait;
    for (;;) {
      let claim: LeaseClaim;
      try {
        claim = await leases.claim(fullKey);
      } catch {
        return loader();
      }
      if (claim === 'held') return this.loadLeased(leases, fullKey, loader);
      let outcome: Awaited<ReturnType<LoadLeases['waitFor']>>;
      try {
        outcome = await leases.waitFor(fullKey, deadline);
      } catch {
        return loader();
      }
      if (outcome === 'timeout') return loader();
      const value = await this.root.get<T>({ key: fullKey, grace: false });
      if (value !== undefined) {
        // Already in Redis and told to the other instances: only this process's memory needs it.
        ctx.setOptions({ skipL2Write: true, skipBusNotify: true });
        return value;
      }
    }
  }

  private async loadLeased<T>(leases: LoadLeases, fullKey: string, loader: CacheLoader<T>): Promise<T> {
    let value: T;
    try {
      value = await loader();
    } catch (error) {
      leases.abandon(fullKey);
      throw error;
    }
    // bentocache rejects `undefined` without writing: nothing will end the lease.
    if (value === undefined) leases.abandon(fullKey);
    return value;
  }

  // Only the options the caller set: an explicit `undefined` would override bentocache's defaults.
  private bentoOptions(o: CacheEntryOptions): SetCommonOptions {
    const call: SetCommonOptions = {};
    if (o.ttl !== undefined) call.ttl = o.ttl;
    if (o.grace !== undefined) call.grace = o.grace > 0 ? o.grace : false;
    if (o.timeout !== undefined) call.timeout = o.timeout;
    if (o.hardTimeout !== undefined) call.hardTimeout = o.hardTimeout;
    if (o.tags !== undefined && o.tags.length > 0) call.tags = [...o.tags];
    return call;
  }

  // A write made while Redis is down (or that saw it fail) is journaled for the recovery to replay.
  private async journaled(record: (journal: OutageJournal) => void, write: () => Promise<unknown>, what: string) {
    const episode = this.outage.episode;
    const wasDegraded = this.outage.degraded;
    try {
      await write();
    } catch (error) {
      throw toCacheError(error, what);
    } finally {
      if (this.clients && (wasDegraded || this.outage.degraded || this.outage.episode !== episode)) {
        record(this.outage.journal);
        // The recovery ended while this write ran: its journal entry would otherwise wait for the next outage.
        if (!this.outage.degraded) await this.replayLate();
      }
    }
  }

  private async replayLate(): Promise<void> {
    const journal = this.outage.takeJournal();
    try {
      await this.replay(journal);
    } catch {
      // Redis failed again (the tier marked the outage): the next recovery replays it.
      this.outage.restoreJournal(journal);
    }
  }

  private watchConnections(clients: RedisClients): void {
    for (const client of [clients.command, clients.publisher, clients.subscriber]) {
      // ioredis reports every failed reconnect; the outage itself is logged once.
      client.on('error', (error: Error) => this.logger.debug({ err: error }, 'cache: Redis connection error'));
      client.on('close', () => {
        if (!this.stopping) this.outage.markDown('connection closed', false);
      });
    }
  }

  private tryRecover(): void {
    if (this.recovering || this.stopping) return;
    if (!this.outage.degraded) {
      this.countPeers();
      this.probe();
      return;
    }
    this.recovering = this.recover().finally(() => {
      this.recovering = undefined;
    });
  }

  /**
   * Once Redis answers again (and bentocache's circuit breaker has closed): replays the journal
   * (deletes the keys written meanwhile from Redis and every instance's memory, re-invalidates tags,
   * re-clears namespaces), reloads namespace generations, then empties this process's memory tier,
   * which may hold values other instances changed during the outage. Only then is Redis used again.
   */
  private async recover(): Promise<boolean> {
    const clients = this.clients;
    if (!clients || !this.outage.degraded) return true;
    if (Date.now() < this.outage.lastThrowAt + this.options.circuitBreakerDuration + 20) return false;
    if (![clients.command, clients.publisher, clients.subscriber].every((c) => c.status === 'ready')) return false;
    try {
      await clients.command.ping();
      if (await this.leases?.checkServer()) {
        this.logger.warn(
          'cache: Redis is older than 7.0; cross-instance loads use a lock key (one more round trip per miss)',
        );
      }
    } catch {
      return false;
    }
    const throwsBefore = this.outage.lastThrowAt;
    const since = this.outage.since;
    const episode = this.outage.episode;
    const up = await this.outage.replaying(async () => {
      for (let round = 0; round < 10; round += 1) {
        const journal = this.outage.takeJournal();
        if (isJournalEmpty(journal)) break;
        try {
          await this.replay(journal);
        } catch {
          this.outage.restoreJournal(journal);
          return false;
        }
        if (this.outage.lastThrowAt !== throwsBefore) {
          this.outage.restoreJournal(journal);
          return false;
        }
      }
      if (!isJournalEmpty(this.outage.journal)) return false;
      try {
        await this.generations.reload();
      } catch {
        return false;
      }
      this.memory.clear();
      this.outage.markUp();
      if (since !== undefined) this.logger.info({ downMs: Date.now() - since }, 'cache: Redis is back');
      return true;
    });
    if (up) await this.settle(episode);
    return up;
  }

  /**
   * After this instance recovered: waits until every other one has too (each replayed its journal
   * and writes through Redis again) before strict namespaces are cached again, at most `settleTimeout`
   * (an instance that died during the outage never answers).
   */
  private async settle(episode: number): Promise<void> {
    const peers = this.peers;
    if (!peers) {
      this.outage.markSettled(episode);
      return;
    }
    const started = Date.now();
    const deadline = started + this.options.settleTimeout;
    // A safety bound only: the deadline ends the wait first.
    const rounds = 2 * Math.ceil(this.options.settleTimeout / SETTLE_PAUSE_MS) + 1;
    for (let round = 0; round < rounds && Date.now() < deadline; round += 1) {
      if (this.outage.degraded || this.outage.episode !== episode || this.stopping) return;
      try {
        if (await peers.allRecovered(Math.min(SETTLE_QUERY_MS, Math.max(1, deadline - Date.now())))) {
          this.outage.markSettled(episode);
          if (this.outage.settled) {
            this.logger.info({ settleMs: Date.now() - started }, 'cache: every instance is back');
          }
          return;
        }
      } catch (error) {
        // Redis failed again: a new outage, which its own recovery settles.
        this.outage.markDown(error instanceof Error ? error.message : String(error), false);
        return;
      }
      await sleep(SETTLE_PAUSE_MS);
    }
    if (this.outage.degraded || this.outage.episode !== episode || this.stopping) return;
    this.logger.warn(
      { settleMs: Date.now() - started },
      'cache: not every instance answered after the outage; caching strict namespaces again',
    );
    this.outage.markSettled(episode);
  }

  /**
   * While other instances share this prefix, a healthy instance checks Redis on every recovery tick:
   * one that only serves memory hits would otherwise not notice a Redis that hangs (its connections
   * stay open), and would go on serving its memory while the others' writes no longer reach it.
   */
  private probe(): void {
    const clients = this.clients;
    if (!clients || !this.peers?.hasPeers() || this.probing) return;
    this.probing = true;
    clients.command
      .ping()
      .catch((error: unknown) => {
        if (!this.stopping) this.outage.markDown(error instanceof Error ? error.message : String(error), false);
      })
      .finally(() => {
        this.probing = false;
      });
  }

  // The count of other instances is what a recovery waits for: kept fresh while healthy.
  private countPeers(): void {
    if (!this.peers || !this.outage.settled || Date.now() - this.peersCountedAt < PEER_COUNT_MS) return;
    this.peersCountedAt = Date.now();
    this.peers.count().catch(() => undefined);
  }

  private async replay(journal: OutageJournal): Promise<void> {
    if (journal.keys.size > 0) await this.root.deleteMany({ keys: [...journal.keys] });
    if (journal.tags.size > 0) await this.root.deleteByTag({ tags: [...journal.tags] });
    for (const namespace of journal.namespaces) await this.generations.bump(namespace);
  }

  private async redisStats(): Promise<RedisTierStats | null> {
    if (!this.clients) return null;
    try {
      const stats = await readRedisStats(this.clients.command);
      return { status: this.degraded ? 'recovering' : 'up', ...stats };
    } catch (error) {
      return {
        status: 'down',
        error: error instanceof Error ? error.message : String(error),
        since: this.outage.since === undefined ? undefined : new Date(this.outage.since).toISOString(),
      };
    }
  }
}

/** Options of {@link KeelCache.cached} and {@link cacheable}. */
export interface CachedOptions<A extends unknown[]> extends Omit<CacheEntryOptions, 'tags'> {
  /** The key of one call's result. Default: the function's name and its JSON-encoded arguments. */
  key?: (...args: A) => string;
  /** Tags of one call's result, fixed or computed from the arguments. Default: none. */
  tags?: readonly string[] | ((...args: A) => readonly string[]);
}

/**
 * Creates the cache component.
 *
 * @example
 * ```ts
 * const cache = createCache({
 *   redisUrl: 'redis://127.0.0.1:6379',
 *   prefix: 'planner',
 *   ttl: 60_000,
 *   namespaces: { 'feature-flags': { consistency: 'eventual' } }, // every other namespace is strict
 * });
 * ```
 */
export function createCache(options?: CacheOptions): KeelCache {
  return new KeelCache(options);
}

function notAFunction(argument: string): ValidationError {
  return new ValidationError([{ location: 'arguments', path: argument, message: 'must be a function' }]);
}
