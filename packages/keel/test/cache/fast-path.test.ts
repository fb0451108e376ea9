// The hit fast paths (memory-hits.ts, redis-hits.ts) answer without bentocache: these tests show that
// every guarantee bentocache's path gives still holds on them, for a key read hot (so its entry is
// decoded and remembered) before each change.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeelCache } from '../../src/cache/index.js';
import { eventually } from '../../src/testing/eventually.js';
import { startPrivateRedis } from '../../src/testing/private-redis.js';
import { cacheFactory, sharedRedisUrl, uniquePrefix } from './fixtures.js';

const caches = cacheFactory();
let a: KeelCache;
let b: KeelCache;

beforeAll(async () => {
  const prefix = uniquePrefix('fast');
  a = await caches.start({ redisUrl: sharedRedisUrl, prefix, graceMs: 60_000 });
  b = await caches.start({ redisUrl: sharedRedisUrl, prefix, graceMs: 60_000 });
});
afterAll(() => caches.stopAll());

/** Reads `key` enough times that it is a hot key of the reader's memory hits. */
async function readHot(cache: KeelCache, key: string, namespace: string, loader: () => unknown): Promise<unknown> {
  let value: unknown;
  for (let i = 0; i < 5; i += 1) value = await cache.getOrSet(key, loader, { namespace });
  return value;
}

async function statsOf(cache: KeelCache, namespace: string) {
  const stats = (await cache.stats()).namespaces[namespace];
  if (!stats) throw new Error(`no stats for ${namespace}`);
  return stats;
}

describe('the hit fast paths', () => {
  it('give every hit its own copy of the value, as a parse of the entry would', async () => {
    const load = () => ({ roles: ['reader'], profile: { name: 'Ada' } });
    const first = (await readHot(b, 'user', 'copies', load)) as ReturnType<typeof load>;
    first.roles.push('admin');
    first.profile.name = 'changed';
    const again = (await b.getOrSet('user', load, { namespace: 'copies' })) as ReturnType<typeof load>;
    expect(again).toEqual({ roles: ['reader'], profile: { name: 'Ada' } });
    expect(again).not.toBe(first);
    expect(await b.get('user', { namespace: 'copies' })).toEqual({ roles: ['reader'], profile: { name: 'Ada' } });
  });

  it('count memory-tier and Redis-tier hits in the stats', async () => {
    await a.set('k', 'v', { namespace: 'counted' });
    // b's memory is empty: its first read is a Redis-tier hit, the next ones memory-tier hits.
    for (let i = 0; i < 4; i += 1) expect(await b.getOrSet('k', () => 'loaded', { namespace: 'counted' })).toBe('v');
    expect(await b.get('k', { namespace: 'counted' })).toBe('v');
    const stats = await statsOf(b, 'counted');
    expect(stats).toMatchObject({ hits: 5, misses: 0, redisHits: 1, memoryHits: 4, gracedHits: 0, memoryEntries: 1 });
  });

  it("see another instance's delete at once", async () => {
    let source = 0;
    const load = () => source;
    for (let i = 1; i <= 100; i += 1) {
      await readHot(b, 'd', 'deletes', load);
      source = i;
      await a.delete('d', { namespace: 'deletes' });
      expect(await b.get('d', { namespace: 'deletes' })).toBeUndefined();
      expect(await b.getOrSet('d', load, { namespace: 'deletes' })).toBe(i);
    }
  });

  it("see another instance's write at once", async () => {
    for (let i = 1; i <= 100; i += 1) {
      await readHot(b, 'w', 'writes', () => 0);
      await a.set('w', i, { namespace: 'writes' });
      expect(await b.get('w', { namespace: 'writes' })).toBe(i);
      expect(await b.getOrSet('w', () => -1, { namespace: 'writes' })).toBe(i);
    }
  });

  it("see another instance's namespace clear (a new generation) at once", async () => {
    let source = 0;
    const load = () => source;
    for (let i = 1; i <= 100; i += 1) {
      await readHot(b, 'c', 'cleared', load);
      source = i;
      await a.clear('cleared');
      expect(await b.get('c', { namespace: 'cleared' })).toBeUndefined();
      expect(await b.getOrSet('c', load, { namespace: 'cleared' })).toBe(i);
    }
  });

  it('see a tag invalidation at once on either instance, for an entry read hot with its tag', async () => {
    let source = 0;
    const options = { namespace: 'tagged', tags: ['team-3'], graceMs: 0 };
    const load = () => source;
    for (let i = 1; i <= 100; i += 1) {
      const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a];
      for (let j = 0; j < 5; j += 1) {
        await a.getOrSet('t', load, options);
        await b.getOrSet('t', load, options);
      }
      source = i;
      await writer.deleteByTag(['team-3']);
      // The writer holds the tag's new invalidation time fresh in memory; the reader had it expired by the bus.
      expect(await writer.get('t', { namespace: 'tagged' })).toBeUndefined();
      expect(await reader.get('t', { namespace: 'tagged' })).toBeUndefined();
      expect(await reader.getOrSet('t', load, options)).toBe(i);
      expect(await writer.getOrSet('t', load, options)).toBe(i);
    }
  });

  it('see a tag invalidation on every entry carrying the tag, once the tag is back in memory', async () => {
    let source = 0;
    const options = { namespace: 'shared-tag', tags: ['org-9'], graceMs: 0 };
    const load = () => source;
    for (let i = 1; i <= 50; i += 1) {
      for (let j = 0; j < 5; j += 1) {
        await b.getOrSet('first', load, options);
        await b.getOrSet('second', load, options);
      }
      source = i;
      await a.deleteByTag(['org-9']);
      // Reading `first` brings the tag's invalidation time back into b's memory, fresh: `second` must still see it.
      expect(await b.getOrSet('first', load, options)).toBe(i);
      expect(await b.get('second', { namespace: 'shared-tag' })).toBeUndefined();
      expect(await b.getOrSet('second', load, options)).toBe(i);
    }
  });

  it('serve an expired value from grace while it refreshes, and never from get', async () => {
    const options = { namespace: 'graced', ttlMs: 100 };
    await b.set('g', 'old', options);
    expect(await readHot(b, 'g', 'graced', () => 'unused')).toBe('old');
    await eventually(async () => (await b.get('g', { namespace: 'graced' })) === undefined);
    let refreshed = false;
    const refresh = async () => {
      refreshed = true;
      return 'new';
    };
    // Expired within grace: the old value at once, the loader in the background.
    expect(await b.getOrSet('g', refresh, options)).toBe('old');
    expect((await statsOf(b, 'graced')).gracedHits).toBe(1);
    await eventually(async () => (await b.get('g', { namespace: 'graced' })) === 'new');
    expect(refreshed).toBe(true);
    // And another instance reads the refreshed value from Redis.
    expect(await a.getOrSet('g', () => 'other', options)).toBe('new');
  });

  it('leave a key that is not a plain fresh hit to bentocache: a miss still runs the loader once', async () => {
    let loads = 0;
    const load = async () => {
      loads += 1;
      return 'loaded';
    };
    const all = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).getOrSet('once', load, { namespace: 'misses' })),
    );
    expect(new Set(all)).toEqual(new Set(['loaded']));
    expect(loads).toBe(1);
    const stats = await statsOf(a, 'misses');
    expect(stats.misses + (await statsOf(b, 'misses')).misses).toBeGreaterThanOrEqual(1);
  });
});

describe('the Redis-tier fast path', () => {
  it('reads each key from Redis once, whether it is there or missing (the read is handed to bentocache)', async () => {
    const redis = await startPrivateRedis();
    const admin = new Redis(redis.url);
    const own = cacheFactory();
    try {
      const prefix = uniquePrefix('reads');
      const reader = await own.start({ redisUrl: redis.url, prefix });
      const writer = await own.start({ redisUrl: redis.url, prefix });
      for (let i = 0; i < 20; i += 1) await writer.set(`there-${i}`, i);
      const calls = async () => {
        const info = await admin.info('commandstats');
        const count = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
        return { get: count('get'), set: count('set') };
      };
      const before = await calls();
      for (let i = 0; i < 20; i += 1) expect(await reader.getOrSet(`there-${i}`, () => -1)).toBe(i);
      for (let i = 0; i < 20; i += 1) expect(await reader.getOrSet(`missing-${i}`, () => i)).toBe(i);
      const after = await calls();
      // 20 hits: one read each. 20 misses: one read (claiming the key's lease) and one write each.
      expect(after.get - before.get + after.set - before.set).toBe(20 + 20 * 2);
      expect((await reader.stats()).namespaces.default).toMatchObject({ hits: 20, misses: 20, redisHits: 20 });
    } finally {
      await own.stopAll();
      admin.disconnect();
      await redis.close();
    }
  });
});
