import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheFactory, sharedRedisUrl, uniquePrefix } from './fixtures.js';

const caches = cacheFactory();
afterAll(() => caches.stopAll());

describe('stampede protection', () => {
  it('runs the loader once for 1,000 concurrent misses in one process (memory only)', async () => {
    const cache = await caches.start({ prefix: uniquePrefix('stampede-mem') });
    let runs = 0;
    const loader = async () => {
      runs += 1;
      await sleep(30);
      return { id: 1 };
    };
    const results = await Promise.all(Array.from({ length: 1000 }, () => cache.getOrSet('user:1', loader)));
    expect(runs).toBe(1);
    expect(results.every((r) => r.id === 1)).toBe(true);
  });

  it('runs the loader once for 1,000 concurrent misses with Redis', async () => {
    const cache = await caches.start({ redisUrl: sharedRedisUrl, prefix: uniquePrefix('stampede-one') });
    let runs = 0;
    const loader = async () => {
      runs += 1;
      await sleep(30);
      return 'value';
    };
    const results = await Promise.all(Array.from({ length: 1000 }, () => cache.getOrSet('k', loader)));
    expect(runs).toBe(1);
    expect(new Set(results)).toEqual(new Set(['value']));
  });

  it('runs the loader once across two instances sharing Redis', async () => {
    const prefix = uniquePrefix('stampede-two');
    const a = await caches.start({ redisUrl: sharedRedisUrl, prefix });
    const b = await caches.start({ redisUrl: sharedRedisUrl, prefix });
    for (let round = 0; round < 20; round += 1) {
      let runs = 0;
      const loader = async () => {
        runs += 1;
        await sleep(20);
        return round;
      };
      const key = `shared:${round}`;
      const results = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? a : b).getOrSet(key, loader, { namespace: 'n' })),
      );
      expect(runs, `round ${round}`).toBe(1);
      expect(results.every((r) => r === round)).toBe(true);
    }
  });

  it('lets the next waiter load when the loading instance fails', async () => {
    const prefix = uniquePrefix('stampede-fail');
    const a = await caches.start({ redisUrl: sharedRedisUrl, prefix });
    const b = await caches.start({ redisUrl: sharedRedisUrl, prefix });
    let runs = 0;
    let loading: () => void = () => undefined;
    const aIsLoading = new Promise<void>((resolve) => {
      loading = resolve;
    });
    const failing = async () => {
      runs += 1;
      loading();
      await sleep(20);
      throw new Error('database down');
    };
    const working = async () => {
      runs += 1;
      await sleep(20);
      return 'ok';
    };
    const first = a.getOrSet('k', failing);
    await aIsLoading; // a holds the key's cross-instance load lease; b waits on it
    const second = b.getOrSet('k', working);
    await expect(first).rejects.toThrow('database down');
    await expect(second).resolves.toBe('ok');
    expect(runs).toBe(2);
  });
});
