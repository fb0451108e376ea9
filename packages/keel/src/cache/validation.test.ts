import { describe, expect, it } from 'vitest';
import { isKeelError } from '../errors/index.js';
import { createCache } from './index.js';

async function rejection(work: () => unknown): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const usage = (message: string) =>
  expect.objectContaining({ code: 'usage', status: 500, message: expect.stringContaining(message) });

describe('misuse is a UsageError (500)', () => {
  const cache = createCache({ prefix: 'validation' });

  it.each([
    ['an empty key', () => cache.getOrSet('', () => 1), 'cache.getOrSet: key must be a non-empty string'],
    ['a key that is not a string', () => cache.get(42 as never), 'cache.get: key must be'],
    ['a key over 1024 characters', () => cache.set('k'.repeat(1025), 1), 'cache.set: key must be'],
    ['a negative ttl', () => cache.getOrSet('k', () => 1, { ttlMs: -1 }), 'ttlMs must be 1 or more'],
    ['a zero ttl', () => cache.set('k', 1, { ttlMs: 0 }), 'ttlMs must be 1 or more'],
    ['a NaN grace', () => cache.getOrSet('k', () => 1, { graceMs: Number.NaN }), 'graceMs'],
    [
      'a fractional timeout',
      () => cache.getOrSet('k', () => 1, { timeoutMs: 1.5 }),
      'timeoutMs must be a whole number',
    ],
    [
      'a zero hard timeout',
      () => cache.getOrSet('k', () => 1, { hardTimeoutMs: 0 }),
      'hardTimeoutMs must be 1 or more',
    ],
    ['an old option name', () => cache.getOrSet('k', () => 1, { ttl: 5 } as never), 'ttl (renamed ttlMs)'],
    ['a bad tag', () => cache.set('k', 1, { tags: ['a b'] }), 'tags.0 must be 1 to 128 letters'],
    ['a namespace with a colon', () => cache.get('k', { namespace: 'a:b' }), 'cache.get: namespace must be'],
    ['an empty tag list', () => cache.deleteByTag([]), 'tags must list at least one tag'],
    ['tags that are not a list', () => cache.deleteByTag('t' as never), 'cache.deleteByTag: tags'],
    [
      'a loader that is not a function',
      () => cache.getOrSet('k', 42 as unknown as () => number),
      'loader must be a function',
    ],
    ['an empty namespace to clear', () => cache.clear(''), 'cache.clear: namespace must be'],
    [
      'a warm-up that is not a function',
      () => cache.warmUp('w', 'soon' as never),
      'cache.warmUp: run must be a function',
    ],
    ['a warm-up without a name', () => cache.warmUp('', async () => undefined), 'cache.warmUp: name'],
    ['cached() of something not a function', () => cache.cached(1 as never, { name: 'n' }), 'fn must be a function'],
  ])('rejects %s', async (_, work, message) => {
    const error = await rejection(work);
    expect(isKeelError(error)).toBe(true);
    expect(error).toEqual(usage(message));
  });

  it('rejects a loader returning undefined, naming the key in the message', async () => {
    const error = await rejection(() => cache.getOrSet('secret-key-42', () => undefined));
    expect(error).toEqual(usage('the loader of key "secret-key-42" returned undefined; return null'));
    expect((error as { exposeMessage: boolean }).exposeMessage).toBe(false);
  });

  it.each([
    ['a negative ttl', { ttlMs: -5 }, 'createCache: ttlMs must be 1 or more'],
    ['a redis URL without a host', { redisUrl: 'redis://' }, 'redisUrl must be a redis:// or rediss:// URL'],
    ['a non-http redis URL', { redisUrl: 'http://nope' }, 'redisUrl must be a redis:// or rediss:// URL'],
    ['a prefix with a colon', { prefix: 'a:b' }, 'prefix must be 1 to 128'],
    ['zero memory items', { memory: { maxItems: 0 } }, 'memory.maxItems must be 1 or more'],
    ['an unknown memory option', { memory: { maxEntries: 5 } }, 'memory has unknown option maxEntries'],
    ['a zero command timeout', { redis: { commandTimeoutMs: 0 } }, 'redis.commandTimeoutMs must be 1 or more'],
    ['a negative lock wait', { redis: { lockWaitMs: -1 } }, 'redis.lockWaitMs must be 0 or more'],
    [
      'old Redis option names',
      { redis: { lockTtl: 5, settleTimeout: 1 } },
      'lockTtl (renamed lockTtlMs), settleTimeout (renamed settleTimeoutMs)',
    ],
    ['an old cache option name', { grace: 0 }, 'grace (renamed graceMs)'],
    ['a negative warm-up timeout', { warmUpTimeoutMs: -1 }, 'warmUpTimeoutMs must be 0 or more'],
    ['a logger that is not one', { logger: console.log }, 'logger must be a pino logger'],
    ['an unknown cache-wide mode', { consistency: 'sometimes' }, "consistency must be 'strict' or 'eventual'"],
    ['an unknown namespace mode', { namespaces: { users: { consistency: 'strong' } } }, 'namespaces.users.consistency'],
    ['a namespace name with a colon', { namespaces: { 'a:b': { consistency: 'eventual' } } }, 'namespaces'],
    ['namespaces that are not an object', { namespaces: 'users' }, 'namespaces must be an object'],
    [
      'a namespace entry that is not an object',
      { namespaces: { users: 'eventual' } },
      'namespaces.users must be an object',
    ],
    ['options that are not an object', 'fast', 'createCache: the options must be an object'],
  ])('rejects cache options with %s', (_, options, message) => {
    expect(() => createCache(options as never)).toThrowError(usage(message));
  });

  it('lists every problem at once', () => {
    expect(() => createCache({ ttlMs: 0, graceMs: -1 })).toThrowError(
      usage('ttlMs must be 1 or more; graceMs must be 0 or more'),
    );
  });

  it('accepts both consistency modes', () => {
    const cache = createCache({ consistency: 'eventual', namespaces: { users: { consistency: 'strict' } } });
    expect(cache.consistencyOf('anything')).toBe('eventual');
    expect(cache.consistencyOf('users')).toBe('strict');
  });
});

describe('options of a namespace accepted before', () => {
  const cache = createCache({ prefix: 'validation-known' });

  it('skip the parse for `{ namespace }` alone, and parse anything more or different', async () => {
    await cache.set('k', 1, { namespace: 'known' });
    expect(await cache.get('k', { namespace: 'known' })).toBe(1);
    expect(await cache.getOrSet('k', () => 2, { namespace: 'known' })).toBe(1);
    // The same namespace with a bad or renamed option, or a bad value in place of the namespace, is still refused.
    expect(await rejection(() => cache.getOrSet('k', () => 1, { namespace: 'known', ttl: 5 } as never))).toEqual(
      usage('ttl (renamed ttlMs)'),
    );
    expect(await rejection(() => cache.get('k', { namespace: 'known', extra: true } as never))).toEqual(
      usage('unknown option extra'),
    );
    expect(await rejection(() => cache.get('k', { namespace: 42 } as never))).toEqual(usage('namespace must be'));
    // An object that only inherits `namespace` is not a plain `{ namespace }`: the schema decides, as before.
    const inherited = Object.create({ namespace: 'known' }) as { namespace: string };
    expect(await cache.get('k', inherited)).toBe(1);
  });

  it('never read the caller’s object after the call', async () => {
    const options: { namespace: string; ttlMs?: number } = { namespace: 'known' };
    const pending = cache.getOrSet('late', async () => 'v', options);
    options.ttlMs = -1;
    expect(await pending).toBe('v');
  });
});
