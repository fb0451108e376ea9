import { BentoCache, type BentoStore, bentostore } from 'bentocache';
import { type MemoryDriver, memoryDriver } from 'bentocache/drivers/memory';
import type { CacheProvider } from 'bentocache/types';
import { type Logger, pino } from 'pino';
import { AckedPubSub } from './acked-pubsub.js';
import { CacheCounters } from './cache-stats.js';
import { NamespaceConsistency } from './consistency.js';
import { LoadLeases } from './load-leases.js';
import { MemoryHits } from './memory-hits.js';
import { memoryTier } from './memory-tier.js';
import { lruOf, MemoryTierView } from './memory-view.js';
import { NamespaceGenerations } from './namespace-generations.js';
import type { ResolvedCacheOptions } from './options.js';
import { RedisOutage } from './outage.js';
import { ReadsInFlight } from './reads-in-flight.js';
import { RecoveredPeers } from './recovered-peers.js';
import { redisBus } from './redis-bus-transport.js';
import { createRedisClients, type RedisClients } from './redis-clients.js';
import { RedisHits } from './redis-hits.js';
import { type RedisTier, redisTier } from './redis-tier.js';

/** Everything one cache is made of, shared by its parts (reads, leased loads, recovery, stats, lifecycle). */
export interface CacheParts {
  readonly options: ResolvedCacheOptions;
  readonly bento: BentoCache<Record<string, BentoStore>>;
  /** The cache's one bentocache store. */
  readonly root: CacheProvider;
  /** The three Redis connections; none for a memory-only cache. */
  readonly clients: RedisClients | undefined;
  readonly outage: RedisOutage;
  readonly pubsub: AckedPubSub | undefined;
  readonly leases: LoadLeases | undefined;
  readonly peers: RecoveredPeers | undefined;
  readonly generations: NamespaceGenerations;
  readonly consistency: NamespaceConsistency;
  readonly memory: MemoryTierView;
  /** Plain fresh memory hits, answered before any asynchronous work. */
  readonly memoryHits: MemoryHits;
  /** Plain fresh Redis-tier hits, answered without bentocache's per-call work; none for a memory-only cache. */
  readonly redisHits: RedisHits | undefined;
  readonly counters: CacheCounters;
  /** The logger in use: the options' one, else the component context's once started. */
  logger: Logger;
  /** True once `stop` began: connection drops are then expected, not outages. */
  stopping: boolean;
}

/**
 * Builds a cache's parts: bentocache with a memory tier (reporting misses to the load leases) and,
 * with `redisUrl`, Keel's Redis tier and acknowledged bus over three Redis connections.
 */
export function createCacheParts(o: ResolvedCacheOptions): CacheParts {
  const state = { logger: o.logger ?? pino({ enabled: false }), stopping: false };
  const outage = new RedisOutage(o.redisUrl !== undefined, (reason) => {
    if (!state.stopping) state.logger.warn({ reason }, 'cache: Redis unreachable, serving from memory and loaders');
  });
  const clients = o.redisUrl ? createRedisClients(o.redisUrl, o.commandTimeoutMs) : undefined;
  const leases = clients ? new LoadLeases(clients.command, o.prefix, o.lockTtlMs) : undefined;
  const reads = clients ? new ReadsInFlight() : undefined;

  let l1: MemoryDriver | undefined;
  let l2: RedisTier | undefined;
  const store = bentostore().useL1Layer(
    memoryTier(
      memoryDriver({ maxItems: o.maxItems, maxSize: o.maxSize }),
      (driver) => {
        l1 = driver;
      },
      leases && ((key) => leases.memoryMiss(key)),
      reads,
    ),
  );
  const pubsub = clients
    ? new AckedPubSub(clients.publisher, clients.subscriber, o.ackTimeoutMs, `keel-cache:${o.prefix}`, () =>
        outage.bypass(),
      )
    : undefined;
  const peers =
    clients && pubsub ? new RecoveredPeers(clients.command, pubsub, o.prefix, () => outage.degraded) : undefined;
  if (clients && pubsub && leases && reads) {
    const tier = redisTier(clients.command, o.prefix, outage, leases, reads, (created) => {
      l2 = created;
    });
    store.useL2Layer(tier).useBus(redisBus(pubsub));
  }
  const bento = new BentoCache({
    default: o.prefix,
    // The store name is part of the bus channel: one channel per prefix.
    stores: { [o.prefix]: store },
    prefix: o.prefix,
    ttl: o.ttlMs,
    grace: o.graceMs > 0 ? o.graceMs : false,
    graceBackoff: o.graceBackoffMs,
    timeout: o.timeoutMs,
    ...(o.hardTimeoutMs === undefined ? {} : { hardTimeout: o.hardTimeoutMs }),
    ...(o.lockTimeoutMs === undefined ? {} : { lockTimeout: o.lockTimeoutMs }),
    l2CircuitBreakerDuration: o.circuitBreakerDurationMs,
  });
  const root = bento.use(o.prefix);
  if (!l1) throw new Error('bentocache did not create the memory tier');
  if (clients && !l2) throw new Error('bentocache did not create the Redis tier');
  const memory = new MemoryTierView(l1, o.prefix, () => reads?.changedAll());
  const memoryHits = new MemoryHits(lruOf(l1), o.prefix);
  const counters = new CacheCounters();
  const redisHits =
    l2 && reads && leases
      ? new RedisHits(l2, l1, memoryHits, reads, leases, outage, counters, o.circuitBreakerDurationMs)
      : undefined;
  counters.attach(bento);
  const generations: NamespaceGenerations = new NamespaceGenerations(o.prefix, clients, pubsub, (namespace) =>
    memory.dropStale(namespace, generations.keyPrefix(namespace)),
  );
  // A lease still held after bentocache's write means the write skipped Redis: give it back.
  bento.on('cache:written', ({ key }) => leases?.abandon(key));
  // bentocache only logically expires a tag-invalidated entry, which grace would serve again: drop it.
  bento.on('cache:expire', ({ key }) => {
    void root.delete({ key }).catch(() => undefined);
  });
  const parts: CacheParts = {
    options: o,
    bento,
    root,
    clients,
    outage,
    pubsub,
    leases,
    peers,
    generations,
    consistency: new NamespaceConsistency(o.consistency, o.namespaces),
    memory,
    memoryHits,
    redisHits,
    counters,
    get logger() {
      return state.logger;
    },
    set logger(logger: Logger) {
      state.logger = logger;
    },
    get stopping() {
      return state.stopping;
    },
    set stopping(stopping: boolean) {
      state.stopping = stopping;
    },
  };
  return parts;
}
