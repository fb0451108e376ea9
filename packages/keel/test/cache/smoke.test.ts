import { afterAll, describe, expect, it } from 'vitest';
import { cacheFactory, sharedRedisUrl, uniquePrefix } from './fixtures.js';

const caches = cacheFactory();
afterAll(() => caches.stopAll());

describe('smoke', () => {
  it('works with redis', async () => {
    const cache = await caches.start({ redisUrl: sharedRedisUrl, prefix: uniquePrefix('smoke') });
    expect(cache.degraded).toBe(false);
    expect(await cache.getOrSet('a', () => 1)).toBe(1);
    expect(await cache.get('a')).toBe(1);
    await cache.set('a', 2);
    expect(await cache.get('a')).toBe(2);
    await cache.delete('a');
    expect(await cache.get('a')).toBeUndefined();
    console.log(JSON.stringify(await cache.stats()));
  });
});
