// Contract tests: one per undocumented behaviour of bentocache and ioredis that Keel's cache relies on.
// Each test names the behaviour and the Keel file that relies on it, so an upgrade that changes one
// fails here, loudly, rather than somewhere deep in a cross-instance test. bentocache is pinned to an
// exact version (packages/keel/package.json): upgrade it on purpose, with this file green.
import { readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { BentoCache, errors as bentoErrors, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import type { BusDriver, CreateBusDriverResult, L2CacheDriver } from 'bentocache/types';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { memoryTier } from '../../src/cache/memory-tier.js';
import { MemoryTierView } from '../../src/cache/memory-view.js';
import { eventually } from '../../src/testing/eventually.js';
import { type PrivateRedis, startPrivateRedis } from '../../src/testing/private-redis.js';
import { sharedRedisUrl, uniquePrefix } from './fixtures.js';

const require = (path: string) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));

/** An in-process Redis tier: records every call, and fails the next `failures` calls. */
class MapTier implements L2CacheDriver {
  readonly type = 'l2' as const;
  readonly entries = new Map<string, string>();
  readonly calls: { op: string; key: string; value?: string; ttl?: number | undefined; at: number }[] = [];
  failures = 0;
  private sequence = 0;

  namespace(): L2CacheDriver {
    return this;
  }
  async get(key: string) {
    this.record('get', key);
    return this.entries.get(key);
  }
  async pull(key: string) {
    this.record('pull', key);
    const value = this.entries.get(key);
    this.entries.delete(key);
    return value;
  }
  async set(key: string, value: string, ttl?: number) {
    this.record('set', key, value, ttl);
    this.entries.set(key, value);
    return true;
  }
  async clear() {
    this.entries.clear();
  }
  async delete(key: string) {
    this.record('delete', key);
    return this.entries.delete(key);
  }
  async deleteMany(keys: string[]) {
    for (const key of keys) this.entries.delete(key);
    return true;
  }
  async disconnect() {}

  /** The sequence number of the next call (to order calls and events). */
  tick(): number {
    this.sequence += 1;
    return this.sequence;
  }

  private record(op: string, key: string, value?: string, ttl?: number): void {
    this.calls.push({ op, key, value, ttl, at: this.tick() });
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('tier down');
    }
  }
}

/** An in-process bus between caches; each message goes through JSON, as Keel's Redis transport sends it. */
function jsonBus() {
  const transports: Transport[] = [];
  class Transport implements BusDriver {
    readonly handlers = new Map<string, (payload: never) => void | Promise<void>>();
    readonly published: { channel: string; message: unknown }[] = [];
    failures = 0;
    setId(): BusDriver {
      return this;
    }
    onReconnect(): void {}
    async publish(channel: string, message: unknown): Promise<void> {
      if (this.failures > 0) {
        this.failures -= 1;
        throw new Error('bus down');
      }
      this.published.push({ channel, message });
      for (const other of transports) {
        if (other !== this) void other.handlers.get(channel)?.(JSON.parse(JSON.stringify(message)) as never);
      }
    }
    async subscribe(channel: string, handler: (payload: never) => void | Promise<void>): Promise<void> {
      this.handlers.set(channel, handler);
    }
    async unsubscribe(channel: string): Promise<void> {
      this.handlers.delete(channel);
    }
    async disconnect(): Promise<void> {}
  }
  return {
    transport(): Transport & CreateBusDriverResult {
      const transport = new Transport();
      transports.push(transport);
      // The retry queue Keel's bus asks for (redis-bus-transport.ts), with a short interval.
      return Object.assign(transport, {
        options: { retryQueue: { enabled: true, maxSize: 100, retryInterval: 20 } },
        factory: () => transport,
      });
    },
  };
}

/** A bentocache like Keel's (setup.ts): memory tier, store named after the prefix, optionally a tier and a bus. */
function bento(options: {
  prefix?: string;
  l2?: MapTier;
  bus?: CreateBusDriverResult;
  onMiss?: (key: string) => void;
}) {
  const prefix = options.prefix ?? 'p';
  let driver: import('bentocache/drivers/memory').MemoryDriver | undefined;
  const store = bentostore().useL1Layer(
    memoryTier(
      memoryDriver({ maxItems: 100, maxSize: 1_000_000 }),
      (created) => {
        driver = created;
      },
      options.onMiss,
    ),
  );
  if (options.l2) store.useL2Layer({ options: {}, factory: () => options.l2! });
  if (options.bus) store.useBus(options.bus);
  const cache = new BentoCache({
    default: prefix,
    stores: { [prefix]: store },
    prefix,
    ttl: 60_000,
    grace: false,
    l2CircuitBreakerDuration: 1000,
  });
  const root = cache.use(prefix);
  return { cache, root, driver: () => driver! };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('bentocache contract', () => {
  it('package.json: bentocache is pinned to the exact version installed (upgrades are deliberate)', () => {
    const pinned = require('../../package.json').dependencies.bentocache;
    const installed = require('../../../../node_modules/bentocache/package.json').version;
    expect(pinned, 'keel pins bentocache to one exact version, the one these contract tests ran against').toBe(
      installed,
    );
  });

  it("memory-view.ts: a memory driver's namespace() shares its LRU as config.cacheInstance (keys, peek, delete)", () => {
    const { root, driver } = bento({});
    void root;
    const derived = driver().namespace('__keel_view').config as {
      cacheInstance?: { keys(): IterableIterator<string>; peek(k: string): unknown; delete(k: string): boolean };
    };
    expect(
      derived.cacheInstance,
      'bentocache memory driver: namespace() passes its LRU as config.cacheInstance',
    ).toBeDefined();
    driver().set('a', 'x');
    const lru = derived.cacheInstance!;
    expect([...lru.keys()], 'the shared LRU holds the parent driver entries').toContain('p:a');
    expect(typeof lru.peek('p:a'), 'LRU.peek reads an entry').toBe('string');
    expect(lru.delete('p:a'), 'LRU.delete drops an entry').toBe(true);
    expect(driver().get('a')).toBeUndefined();
  });

  it('memory-view.ts: the memory tier keeps serialized strings under `<prefix>:<key>`, so usage is per namespace', async () => {
    const { root, driver } = bento({ prefix: 'view' });
    await root.set({ key: 'users:0:42', value: { name: 'Ada' } });
    await root.set({ key: 'events:3:7', value: 'e' });
    const view = new MemoryTierView(driver(), 'view');
    const usage = view.usage();
    expect(usage.get('users'), 'memory tier key layout is `<prefix>:<namespace>:<generation>:<key>`').toMatchObject({
      entries: 1,
    });
    expect(usage.get('events')?.entries).toBe(1);
    expect(
      usage.get('users')!.bytes,
      'memory tier values are serialized strings (their byte length is counted)',
    ).toBeGreaterThan('view:users:0:42'.length);
    view.dropStale('events', 'events:4:');
    expect(view.usage().has('events'), 'dropStale deletes through the shared LRU').toBe(false);
    view.clear();
    expect(view.usage().size, "driver.clear() empties this prefix's entries").toBe(0);
  });

  it('memory-tier.ts / load-leases.ts: getOrSet reads the memory tier synchronously, with the key as given', async () => {
    const misses: string[] = [];
    const { root } = bento({ onMiss: (key) => misses.push(key) });
    const pending = root.getOrSet({ key: 'users:0:1', factory: () => 'v' });
    expect(misses, 'bentocache getOrSet reads L1 before its first await (the lease marks the opening call)').toEqual([
      'users:0:1',
    ]);
    expect(await pending).toBe('v');
  });

  it("cache-stats.ts / memory-view.ts: tag bookkeeping keys start with '___bc:' and are the only other keys read", async () => {
    const seen = new Set<string>();
    const { root, cache } = bento({ onMiss: (key) => seen.add(key) });
    const events: string[] = [];
    cache.on('cache:miss', ({ key }) => events.push(key));
    cache.on('cache:hit', ({ key }) => events.push(key));
    await root.getOrSet({ key: 'users:0:1', factory: () => 'v', tags: ['user-1'] });
    await root.getOrSet({ key: 'users:0:1', factory: () => 'v', tags: ['user-1'] });
    const others = [...seen, ...events].filter((key) => key !== 'users:0:1');
    expect(others.length, 'a tagged entry reads its tag keys').toBeGreaterThan(0);
    for (const key of others) expect(key, "bentocache tag keys look like '___bc:t:<tag>'").toMatch(/^___bc:t:/);
  });

  it('cache-stats.ts: cache:hit carries the key as given, its layer and graced; cache:miss the key', async () => {
    const l2 = new MapTier();
    const { root, cache } = bento({ l2 });
    const hits: { key: string; layer: string; graced: boolean }[] = [];
    const misses: string[] = [];
    cache.on('cache:hit', ({ key, layer, graced }) => hits.push({ key, layer, graced }));
    cache.on('cache:miss', ({ key }) => misses.push(key));
    await root.getOrSet({ key: 'users:0:1', factory: () => 'v' });
    await root.getOrSet({ key: 'users:0:1', factory: () => 'v' });
    expect(misses, 'cache:miss { key } without the cache prefix').toEqual(['users:0:1']);
    expect(hits, "cache:hit { key, layer: 'l1', graced }").toEqual([{ key: 'users:0:1', layer: 'l1', graced: false }]);
    const other = bento({ l2 });
    const l2Hits: string[] = [];
    other.cache.on('cache:hit', ({ layer }) => l2Hits.push(layer));
    await other.root.getOrSet({ key: 'users:0:1', factory: () => 'never' });
    expect(l2Hits, "a Redis-tier hit is cache:hit { layer: 'l2' }").toEqual(['l2']);
  });

  it('setup.ts / redis-tier.ts: cache:written fires after the Redis tier write has resolved', async () => {
    const l2 = new MapTier();
    const { root, cache } = bento({ l2 });
    const written: { key: string; at: number }[] = [];
    cache.on('cache:written', ({ key }) => written.push({ key, at: l2.tick() }));
    await root.getOrSet({ key: 'k', factory: () => 'v' });
    const set = l2.calls.find((call) => call.op === 'set');
    expect(
      written.map((w) => w.key),
      'cache:written { key } after a getOrSet write',
    ).toEqual(['k']);
    expect(
      set && set.at < written[0]!.at,
      'the L2 set comes before cache:written (a lease left then means no write)',
    ).toBe(true);
  });

  it('redis-tier.ts / redis-keys.ts: the Redis tier gets the key as given, a JSON object value and its ttl in ms', async () => {
    const l2 = new MapTier();
    const { root } = bento({ l2 });
    await root.set({ key: 'users:0:1', value: { a: 1 }, ttl: 1000, grace: 5000 });
    const set = l2.calls.find((call) => call.op === 'set')!;
    expect(set.key, 'L2 driver keys come without the cache prefix (the driver adds it)').toBe('users:0:1');
    expect(
      set.value?.startsWith('{'),
      "L2 values are JSON objects: a stand-in ('keel:loading:') can never be one",
    ).toBe(true);
    expect(set.ttl, 'L2 set ttl is the physical ttl in ms: the grace period when grace is on').toBe(5000);
    await root.set({ key: 'users:0:2', value: 1, ttl: 1000, grace: false });
    expect(l2.calls.at(-1)?.ttl, 'L2 set ttl is the ttl in ms when grace is off').toBe(1000);
  });

  it('setup.ts: a tag-invalidated entry is only logically expired, and cache:expire names it when it is read', async () => {
    const { root, cache } = bento({});
    const expired: string[] = [];
    cache.on('cache:expire', ({ key }) => expired.push(key));
    vi.useFakeTimers({ toFake: ['Date'] });
    await root.set({ key: 'k', value: 'v', tags: ['t'], grace: 60_000 });
    vi.advanceTimersByTime(2);
    await root.deleteByTag({ tags: ['t'] });
    const served = await root.getOrSet({ key: 'k', factory: () => 'fresh', grace: 60_000, tags: ['t'] });
    expect(
      served,
      'a tag-invalidated entry is logically expired: grace serves it (why Keel deletes it on cache:expire)',
    ).toBe('v');
    expect(expired, 'cache:expire { key } when a read finds an entry invalidated by tag').toContain('k');
  });

  it('leased-load.ts: ctx.setOptions({ skipL2Write, skipBusNotify }) keeps a factory value out of Redis and the bus', async () => {
    const l2 = new MapTier();
    const transport = jsonBus().transport();
    const { root } = bento({ l2, bus: transport });
    const value = await root.getOrSet({
      key: 'k',
      factory: (ctx) => {
        ctx.setOptions({ skipL2Write: true, skipBusNotify: true });
        return 'local';
      },
    });
    expect(value).toBe('local');
    expect(
      l2.calls.filter((call) => call.op === 'set'),
      'skipL2Write: no L2 set',
    ).toEqual([]);
    expect(transport.published, 'skipBusNotify: no bus message').toEqual([]);
  });

  it('leased-load.ts / keel-cache.ts: get({ grace: false }) never answers a logically expired entry', async () => {
    const { root } = bento({});
    vi.useFakeTimers({ toFake: ['Date'] });
    await root.set({ key: 'k', value: 'v', ttl: 1000, grace: 60_000 });
    vi.advanceTimersByTime(1001);
    expect(await root.get({ key: 'k', grace: false }), 'get with grace: false skips a graced entry').toBeUndefined();
  });

  it('uncached-load.ts: a factory that throws while an expired entry is within grace gets that entry', async () => {
    const { root } = bento({});
    vi.useFakeTimers({ toFake: ['Date'] });
    await root.set({ key: 'k', value: 'old', ttl: 1000, grace: 60_000 });
    vi.advanceTimersByTime(1001);
    const fail = () => {
      throw new Error('db down');
    };
    expect(
      await root.getOrSet({ key: 'k', factory: fail, ttl: 1000, grace: 60_000 }),
      'grace serves the old value',
    ).toBe('old');
  });

  it('errors.ts: loader failures, hard timeouts and undefined values are the error classes Keel maps', async () => {
    const { root } = bento({});
    const cause = new Error('db down');
    const failed = await root.getOrSet({ key: 'a', factory: () => Promise.reject(cause) }).catch((e: unknown) => e);
    expect(failed, 'a failed factory is E_FACTORY_ERROR').toBeInstanceOf(bentoErrors.E_FACTORY_ERROR);
    expect((failed as Error).cause, "E_FACTORY_ERROR's cause is the factory's own error").toBe(cause);
    const slow = () => new Promise((resolve) => setTimeout(() => resolve(1), 200));
    const timedOut = await root.getOrSet({ key: 'b', factory: slow, hardTimeout: 10 }).catch((e: unknown) => e);
    expect(timedOut, 'a factory past hardTimeout is E_FACTORY_HARD_TIMEOUT').toBeInstanceOf(
      bentoErrors.E_FACTORY_HARD_TIMEOUT,
    );
    const undef = await root.getOrSet({ key: 'c', factory: () => undefined }).catch((e: unknown) => e);
    expect(undef, 'a factory returning undefined is E_UNDEFINED_VALUE').toBeInstanceOf(bentoErrors.E_UNDEFINED_VALUE);
    expect(bentoErrors.E_FACTORY_SOFT_TIMEOUT, 'E_FACTORY_SOFT_TIMEOUT is exported').toBeTypeOf('function');
    expect(bentoErrors.E_L2_CACHE_ERROR, 'E_L2_CACHE_ERROR is exported').toBeTypeOf('function');
  });

  it('recovery.ts: after a Redis-tier failure the tier is skipped for l2CircuitBreakerDuration (Date.now), then used again', async () => {
    const l2 = new MapTier();
    const { root } = bento({ l2 });
    vi.useFakeTimers({ toFake: ['Date'] });
    l2.failures = 1;
    expect(await root.getOrSet({ key: 'a', factory: () => 1 }), 'an L2 failure with a memory tier is suppressed').toBe(
      1,
    );
    const before = l2.calls.length;
    await root.getOrSet({ key: 'b', factory: () => 2 });
    expect(l2.calls.length, 'the circuit breaker skips L2 while open').toBe(before);
    vi.advanceTimersByTime(1001);
    await root.getOrSet({ key: 'c', factory: () => 3 });
    expect(l2.calls.length, 'the circuit breaker closes after l2CircuitBreakerDuration').toBeGreaterThan(before);
  });

  it('redis-bus-transport.ts: bus messages survive JSON, and a set through one cache stops the other serving its copy', async () => {
    const bus = jsonBus();
    const l2 = new MapTier();
    const a = bento({ l2, bus: bus.transport() });
    const b = bento({ l2, bus: bus.transport() });
    await a.root.set({ key: 'k', value: 1 });
    expect(await b.root.getOrSet({ key: 'k', factory: () => -1 })).toBe(1);
    await a.root.set({ key: 'k', value: 2 });
    await eventually(async () => (await b.root.getOrSet({ key: 'k', factory: () => -1 })) === 2);
  });

  it("redis-bus-transport.ts: the bus channel holds the store's name (one channel per prefix)", async () => {
    const transport = jsonBus().transport();
    bento({ prefix: 'my-prefix', l2: new MapTier(), bus: transport });
    await eventually(() => transport.handlers.size > 0);
    expect(
      [...transport.handlers.keys()].every((channel) => channel.endsWith(':my-prefix')),
      'bus channel is `<name>:<store>`',
    ).toBe(true);
  });

  it('redis-bus-transport.ts: a publish that failed is resent by the retry queue', async () => {
    const bus = jsonBus();
    const transport = bus.transport();
    const { root } = bento({ l2: new MapTier(), bus: transport });
    transport.failures = 1;
    await root.set({ key: 'k', value: 1 });
    await eventually(() => transport.published.length === 1, { timeoutMs: 2000 });
  });
});

describe('ioredis contract', () => {
  const clients: Redis[] = [];
  let frozen: PrivateRedis | undefined;
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await frozen?.close();
  });

  it('coalesced-writes.ts: every command goes through the instance sendCommand, and stream is the socket (cork/uncork)', async () => {
    const redis = new Redis(sharedRedisUrl, { lazyConnect: true });
    clients.push(redis);
    await redis.connect();
    const send = redis.sendCommand.bind(redis);
    const sent: string[] = [];
    redis.sendCommand = (command, stream) => {
      sent.push(command.name);
      return send(command, stream);
    };
    const key = uniquePrefix('contract');
    await redis.set(key, 'v', 'PX', 10_000);
    await redis.get(key);
    await redis.eval('return 1', 0);
    await redis.unlink(key);
    expect(sent, 'ioredis sends each command through redis.sendCommand (an own-property override sees it)').toEqual([
      'set',
      'get',
      'eval',
      'unlink',
    ]);
    expect(redis.stream, 'redis.stream is the net.Socket').toBeInstanceOf(Socket);
    expect(typeof redis.stream.cork === 'function' && typeof redis.stream.uncork === 'function').toBe(true);
  });

  it('command-watchdog.ts: commandQueue.peekFront() and toArray() hold { command }, whose reject fails the call', async () => {
    // A frozen Redis (SIGSTOP): commands stay in flight.
    frozen = await startPrivateRedis();
    const redis = new Redis(frozen.url, { maxRetriesPerRequest: 0, lazyConnect: true });
    redis.on('error', () => undefined);
    clients.push(redis);
    await redis.connect();
    frozen.pause();
    const pending = redis.get('k').catch((error: Error) => error.message);
    const head = redis.commandQueue.peekFront();
    expect(head?.command.name, 'commandQueue.peekFront().command is the oldest command in flight').toBe('get');
    expect(
      redis.commandQueue.toArray().map((item) => item.command.name),
      'commandQueue.toArray()',
    ).toEqual(['get']);
    head!.command.reject(new Error('Command timed out'));
    expect(await pending, "rejecting a queued command rejects the caller's promise").toBe('Command timed out');
    frozen.resume();
  });

  it('load-leases.ts: SET key value PX ttl NX GET answers the previous value, null when it claimed the key', async () => {
    const redis = new Redis(sharedRedisUrl);
    clients.push(redis);
    const key = uniquePrefix('contract-nx');
    expect(await redis.set(key, 'first', 'PX', 10_000, 'NX', 'GET'), 'an empty key is claimed: null').toBeNull();
    expect(await redis.set(key, 'second', 'PX', 10_000, 'NX', 'GET'), 'a held key answers its value').toBe('first');
    expect(await redis.get(key)).toBe('first');
    await redis.unlink(key);
  });
});
