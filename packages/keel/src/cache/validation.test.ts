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

describe('bad input is a typed KeelError', () => {
  const cache = createCache({ prefix: 'validation' });

  it.each([
    ['an empty key', () => cache.getOrSet('', () => 1)],
    ['a negative ttl', () => cache.getOrSet('k', () => 1, { ttl: -1 })],
    ['a zero ttl', () => cache.set('k', 1, { ttl: 0 })],
    ['a NaN grace', () => cache.getOrSet('k', () => 1, { grace: Number.NaN })],
    ['a namespace with a colon', () => cache.get('k', { namespace: 'a:b' })],
    ['an empty tag list', () => cache.deleteByTag([])],
    ['a loader that is not a function', () => cache.getOrSet('k', 42 as unknown as () => number)],
    ['a loader returning undefined', () => cache.getOrSet('undefined', () => undefined)],
    ['an empty namespace to clear', () => cache.clear('')],
  ])('rejects %s', async (_, work) => {
    const error = await rejection(work);
    expect(isKeelError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('validation');
  });

  it('rejects bad cache options', () => {
    expect(() => createCache({ ttl: -5 })).toThrowError(expect.objectContaining({ code: 'validation' }));
    expect(() => createCache({ redisUrl: 'http://nope' })).toThrowError(
      expect.objectContaining({ code: 'validation' }),
    );
  });
});
