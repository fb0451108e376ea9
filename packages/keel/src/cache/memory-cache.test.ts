import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { cacheable, createCache } from './index.js';

describe('memory-only cache', () => {
  it('gets, sets, deletes and clears by namespace', async () => {
    const cache = createCache({ prefix: 'mem-basic' });
    await cache.set('a', { n: 1 }, { namespace: 'x' });
    await cache.set('a', { n: 2 }, { namespace: 'y' });
    expect(await cache.get('a', { namespace: 'x' })).toEqual({ n: 1 });
    await cache.clear('x');
    expect(await cache.get('a', { namespace: 'x' })).toBeUndefined();
    expect(await cache.get('a', { namespace: 'y' })).toEqual({ n: 2 });
    await cache.delete('a', { namespace: 'y' });
    expect(await cache.get('a', { namespace: 'y' })).toBeUndefined();
    await cache.set('null', null);
    expect(await cache.get('null')).toBeNull();
  });

  it('serves an expired value at once and refreshes it in the background', async () => {
    const cache = createCache({ prefix: 'mem-swr', grace: 60_000 });
    let version = 1;
    const loader = async () => {
      await sleep(30);
      return version;
    };
    expect(await cache.getOrSet('k', loader, { ttl: 20 })).toBe(1);
    await sleep(30);
    version = 2;
    const started = performance.now();
    expect(await cache.getOrSet('k', loader, { ttl: 20 })).toBe(1);
    expect(performance.now() - started).toBeLessThan(20);
    await sleep(60);
    expect(await cache.getOrSet('k', loader, { ttl: 10_000 })).toBe(2);
  });

  it('serves the graced value when the loader fails, and throws the loader error without one', async () => {
    const cache = createCache({ prefix: 'mem-fail', grace: 60_000, timeout: 1000 });
    expect(await cache.getOrSet('k', () => 'good', { ttl: 10 })).toBe('good');
    await sleep(20);
    expect(
      await cache.getOrSet(
        'k',
        () => {
          throw new Error('database down');
        },
        { ttl: 10 },
      ),
    ).toBe('good');
    await expect(
      cache.getOrSet('other', () => {
        throw new Error('database down');
      }),
    ).rejects.toThrow('database down');
  });

  it('answers from grace when the loader is slower than the soft timeout', async () => {
    const cache = createCache({ prefix: 'mem-soft', grace: 60_000 });
    expect(await cache.getOrSet('k', () => 'old', { ttl: 10 })).toBe('old');
    await sleep(20);
    const started = performance.now();
    const slow = async () => {
      await sleep(300);
      return 'new';
    };
    expect(await cache.getOrSet('k', slow, { ttl: 10_000, timeout: 50 })).toBe('old');
    expect(performance.now() - started).toBeLessThan(200);
    await sleep(350);
    expect(await cache.get('k')).toBe('new');
  });

  it('fails with a TimeoutError past the hard timeout when there is nothing to serve', async () => {
    const cache = createCache({ prefix: 'mem-hard' });
    await expect(
      cache.getOrSet(
        'k',
        async () => {
          await sleep(200);
          return 1;
        },
        { hardTimeout: 30 },
      ),
    ).rejects.toMatchObject({ code: 'timeout' });
  });

  it('invalidates by tag, even with grace on', async () => {
    const cache = createCache({ prefix: 'mem-tags', grace: 60_000 });
    let version = 1;
    const options = { tags: ['user-1'], namespace: 'events' };
    expect(await cache.getOrSet('list', () => version, options)).toBe(1);
    version = 2;
    await sleep(2);
    await cache.deleteByTag(['user-1']);
    expect(await cache.getOrSet('list', () => version, options)).toBe(2);
  });

  it('wraps functions with cached() and methods with @cacheable', async () => {
    const cache = createCache({ prefix: 'mem-wrap' });
    let calls = 0;
    const find = cache.cached(async (id: string) => ({ id, call: ++calls }), { namespace: 'users', key: (id) => id });
    expect(await find('a')).toEqual({ id: 'a', call: 1 });
    expect(await find('a')).toEqual({ id: 'a', call: 1 });
    expect(await find('b')).toEqual({ id: 'b', call: 2 });

    class Users {
      loads = 0;
      async find(id: string): Promise<string> {
        this.loads += 1;
        return `user ${id}`;
      }
    }
    // Applied by hand: the test runner's transform has no decorator support; tsc emits the same call.
    const decorate = cacheable<Users, [string], string>(() => cache, {
      namespace: 'decorated',
      key: (id: string) => id,
      tags: (id: string) => [`u-${id}`],
    });
    const context = { kind: 'method', name: 'find', static: false, private: false } as ClassMethodDecoratorContext<
      Users,
      (this: Users, id: string) => Promise<string>
    >;
    Users.prototype.find = decorate(Users.prototype.find, context);
    const users = new Users();
    expect(await users.find('1')).toBe('user 1');
    expect(await users.find('1')).toBe('user 1');
    expect(users.loads).toBe(1);
    await cache.deleteByTag(['u-1']);
    expect(await users.find('1')).toBe('user 1');
    expect(users.loads).toBe(2);
  });

  it('counts hits, misses and memory use per namespace', async () => {
    const cache = createCache({ prefix: 'mem-stats' });
    await cache.getOrSet('a', () => 'x'.repeat(100), { namespace: 'one' });
    await cache.getOrSet('a', () => 'never', { namespace: 'one' });
    await cache.getOrSet('a', () => 'never', { namespace: 'one' });
    const { namespaces, redis } = await cache.stats();
    expect(redis).toBeNull();
    expect(namespaces.one).toMatchObject({ hits: 2, misses: 1, memoryEntries: 1 });
    expect(namespaces.one?.hitRate).toBeCloseTo(2 / 3);
    expect(namespaces.one?.memoryBytes).toBeGreaterThan(100);
  });
});
