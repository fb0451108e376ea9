import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HealthRegistry } from '../health/index.js';
import { MetricsRegistry } from '../metrics/index.js';
import type { ComponentContext } from '../service/index.js';
import { eventually } from '../testing/eventually.js';
import { cacheable, createCache } from './index.js';

/** A loader whose calls the test answers: `next()` is the value each call resolves with once `release()` is called. */
function gatedLoader<T>(value: () => T) {
  const pending: (() => void)[] = [];
  let calls = 0;
  const loader = () =>
    new Promise<T>((resolve) => {
      calls += 1;
      pending.push(() => resolve(value()));
    });
  return {
    loader,
    calls: () => calls,
    release: () => {
      for (const resolve of pending.splice(0)) resolve();
    },
  };
}

// bentocache reads `Date.now()` for an entry's ttl (it takes no clock to inject): only `Date` is faked, so
// a ttl passes at once while its timers (soft and hard timeouts) keep running for real. The end of grace
// cannot be faked: the memory tier's LRU (lru-cache) drops an entry on `performance.now()`, captured at import.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

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

  it('expires a value after its ttl', async () => {
    const cache = createCache({ prefix: 'mem-ttl', graceMs: 0 });
    await cache.set('k', 1, { ttlMs: 1000 });
    vi.advanceTimersByTime(999);
    expect(await cache.get('k')).toBe(1);
    vi.advanceTimersByTime(2);
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.getOrSet('k', () => 2)).toBe(2);
  });

  it('serves an expired value at once and refreshes it in the background', async () => {
    const cache = createCache({ prefix: 'mem-swr', graceMs: 60_000 });
    let version = 1;
    const gate = gatedLoader(() => version);
    const first = cache.getOrSet('k', gate.loader, { ttlMs: 20 });
    await eventually(() => gate.calls() === 1);
    gate.release();
    expect(await first).toBe(1);
    vi.advanceTimersByTime(30);
    version = 2;
    // The refresh's loader has not answered: the expired value is what this call gets.
    expect(await cache.getOrSet('k', gate.loader, { ttlMs: 20 })).toBe(1);
    expect(gate.calls()).toBe(2);
    gate.release();
    await eventually(async () => (await cache.get('k')) === 2);
    expect(await cache.getOrSet('k', gate.loader, { ttlMs: 10_000 })).toBe(2);
    expect(gate.calls()).toBe(2);
  });

  it('serves the graced value when the loader fails, and throws the loader error without one', async () => {
    const cache = createCache({ prefix: 'mem-fail', graceMs: 60_000, timeoutMs: 1000 });
    expect(await cache.getOrSet('k', () => 'good', { ttlMs: 10 })).toBe('good');
    vi.advanceTimersByTime(20);
    const failing = () => {
      throw new Error('database down');
    };
    expect(await cache.getOrSet('k', failing, { ttlMs: 10 })).toBe('good');
    await expect(cache.getOrSet('other', failing)).rejects.toThrow('database down');
  });

  it('answers from grace when the loader is slower than the soft timeout', async () => {
    const cache = createCache({ prefix: 'mem-soft', graceMs: 60_000 });
    expect(await cache.getOrSet('k', () => 'old', { ttlMs: 10 })).toBe('old');
    vi.advanceTimersByTime(20);
    const slow = gatedLoader(() => 'new');
    // The loader answers only when released: this call returns after the 50 ms soft timeout, with 'old'.
    const started = performance.now();
    expect(await cache.getOrSet('k', slow.loader, { ttlMs: 10_000, timeoutMs: 50 })).toBe('old');
    console.log(`soft timeout 50 ms: answered from grace after ${Math.round(performance.now() - started)} ms`);
    slow.release();
    await eventually(async () => (await cache.get('k')) === 'new');
  });

  it('fails with a TimeoutError past the hard timeout when there is nothing to serve', async () => {
    const cache = createCache({ prefix: 'mem-hard' });
    const never = gatedLoader(() => 1);
    await expect(cache.getOrSet('k', never.loader, { hardTimeoutMs: 30 })).rejects.toMatchObject({ code: 'timeout' });
    never.release();
  });

  it('invalidates by tag, even with grace on', async () => {
    const cache = createCache({ prefix: 'mem-tags', graceMs: 60_000 });
    let version = 1;
    const options = { tags: ['user-1'], namespace: 'events' };
    expect(await cache.getOrSet('list', () => version, options)).toBe(1);
    version = 2;
    // bentocache compares an entry's creation and the tag's invalidation in whole ms.
    vi.advanceTimersByTime(2);
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
    const decorate = cacheable<Users, [string], string>(() => cache, {
      namespace: 'decorated',
      key: (id: string) => id,
      tags: (id: string) => [`u-${id}`],
    });
    Users.prototype.find = decorate(Users.prototype.find, methodContext('find'));
    const users = new Users();
    expect(await users.find('1')).toBe('user 1');
    expect(await users.find('1')).toBe('user 1');
    expect(users.loads).toBe(1);
    vi.advanceTimersByTime(2);
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

describe('cached functions cannot share keys by accident', () => {
  it('refuses cached() without a key or a name, when it is defined', () => {
    const cache = createCache({ prefix: 'mem-cached-key' });
    expect(() => cache.cached((id: string) => id, {} as never)).toThrowError(
      expect.objectContaining({ code: 'usage', message: expect.stringContaining('needs a key function or a name') }),
    );
  });

  it('keeps two inline arrows with the same arguments apart once each has a name', async () => {
    const cache = createCache({ prefix: 'mem-arrows' });
    // Two anonymous arrows: keyed on `fn.name` and the arguments, both would have been `:["1"]`.
    const owner = cache.cached(async (id: string) => `owner of ${id}`, { name: 'event-owner' });
    const title = cache.cached(async (id: string) => `title of ${id}`, { name: 'event-title' });
    expect(await owner('1')).toBe('owner of 1');
    expect(await title('1')).toBe('title of 1');
    expect(await owner('1')).toBe('owner of 1');
  });

  it('refuses a second cached function with the same name', () => {
    const cache = createCache({ prefix: 'mem-same-name' });
    cache.cached(async (id: string) => id, { name: 'lookup' });
    expect(() => cache.cached(async (id: string) => id, { name: 'lookup' })).toThrowError(
      expect.objectContaining({ code: 'usage', message: expect.stringContaining('"lookup" is already used') }),
    );
  });

  it('refuses @cacheable without a key or a name when the class is defined', () => {
    const cache = createCache({ prefix: 'mem-cacheable-key' });
    expect(() => cacheable(cache, { namespace: 'users' } as never)).toThrowError(
      expect.objectContaining({ code: 'usage', message: expect.stringContaining('@cacheable') }),
    );
  });

  it('keeps Users.find and Teams.find apart', async () => {
    const cache = createCache({ prefix: 'mem-find' });
    class Users {
      async find(id: string): Promise<string> {
        return `user ${id}`;
      }
    }
    class Teams {
      async find(id: string): Promise<string> {
        return `team ${id}`;
      }
    }
    Users.prototype.find = cacheable<Users, [string], string>(cache, { name: 'users.find' })(
      Users.prototype.find,
      methodContext('find'),
    );
    Teams.prototype.find = cacheable<Teams, [string], string>(cache, { name: 'teams.find' })(
      Teams.prototype.find,
      methodContext('find'),
    );
    expect(await new Users().find('7')).toBe('user 7');
    expect(await new Teams().find('7')).toBe('team 7');
    expect(await new Users().find('7')).toBe('user 7');
  });

  it('refuses two @cacheable methods with one name in one cache, on the first call of the second', async () => {
    const cache = createCache({ prefix: 'mem-find-same' });
    const one = cacheable<unknown, [string], string>(cache, { name: 'find' })(async (id) => id, methodContext('find'));
    const two = cacheable<unknown, [string], string>(cache, { name: 'find' })(async (id) => id, methodContext('find'));
    expect(await one.call(undefined, '1')).toBe('1');
    await expect(two.call(undefined, '1')).rejects.toMatchObject({ code: 'usage' });
  });
});

describe('addNamespaces', () => {
  it('declares namespaces before start, and refuses a duplicate and a call after start', async () => {
    const cache = createCache({ prefix: 'mem-ns', namespaces: { users: { consistency: 'strict' } } });
    cache.addNamespaces({ flags: { consistency: 'eventual' }, events: {} });
    expect(cache.consistencyOf('flags')).toBe('eventual');
    expect(cache.consistencyOf('events')).toBe('strict');
    expect(() => cache.addNamespaces({ users: { consistency: 'eventual' } })).toThrowError(
      expect.objectContaining({ code: 'usage', message: expect.stringContaining('users is already declared') }),
    );
    expect(() => cache.addNamespaces({ flags: {} })).toThrowError(expect.objectContaining({ code: 'usage' }));
    expect(() => cache.addNamespaces({ 'a:b': {} })).toThrowError(expect.objectContaining({ code: 'usage' }));
    expect(() => cache.addNamespaces({ x: { consistency: 'sometimes' as never } })).toThrowError(
      expect.objectContaining({ code: 'usage' }),
    );
    await cache.start(context());
    try {
      expect(() => cache.addNamespaces({ late: {} })).toThrowError(
        expect.objectContaining({ code: 'usage', message: expect.stringContaining('has started') }),
      );
      expect(cache.consistencyOf('late')).toBe('strict');
    } finally {
      await cache.stop();
    }
  });
});

/** A method decorator's context, applied by hand: the test runner's transform has no decorator support; tsc emits the same call. */
function methodContext(name: string): never {
  return { kind: 'method', name, static: false, private: false } as never;
}

function context(): ComponentContext {
  return {
    logger: pino({ enabled: false }),
    metrics: new MetricsRegistry({ defaultMetrics: false }),
    health: new HealthRegistry(),
    state: () => 'running',
  };
}
