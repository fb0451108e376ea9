import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { cacheConfigSchema, cacheOptionsFromConfig } from './config.js';
import { createCache } from './index.js';

const parse = (env: Record<string, string>) => loadConfig(cacheConfigSchema, { env, envFile: false });

describe('cacheConfigSchema and cacheOptionsFromConfig', () => {
  it('defaults to a memory-only, strict cache prefixed keel', () => {
    expect(cacheOptionsFromConfig(parse({}))).toEqual({ prefix: 'keel', consistency: 'strict' });
  });

  it('treats blank variables as unset', () => {
    expect(cacheOptionsFromConfig(parse({ REDIS_URL: ' ', CACHE_PREFIX: '', CACHE_CONSISTENCY: '' }))).toEqual({
      prefix: 'keel',
      consistency: 'strict',
    });
  });

  it('reads the Redis URL, the prefix and the consistency, which createCache takes as they are', () => {
    const options = cacheOptionsFromConfig(
      parse({ REDIS_URL: 'redis://127.0.0.1:6379/2', CACHE_PREFIX: 'planner_1', CACHE_CONSISTENCY: 'eventual' }),
    );
    expect(options).toEqual({ redisUrl: 'redis://127.0.0.1:6379/2', prefix: 'planner_1', consistency: 'eventual' });
    expect(createCache(options).consistencyOf('anything')).toBe('eventual');
  });

  it.each([
    ['REDIS_URL', 'http://127.0.0.1:6379', 'must be a redis:// or rediss:// URL'],
    ['REDIS_URL', 'redis://', 'must be a redis:// or rediss:// URL'],
    ['CACHE_PREFIX', 'a:b', 'must be 1 to 64 letters, digits, _ or -'],
    ['CACHE_PREFIX', 'x'.repeat(65), 'must be 1 to 64 letters, digits, _ or -'],
    ['CACHE_CONSISTENCY', 'sometimes', "must be 'strict' or 'eventual'"],
  ])('refuses %s=%s as a ConfigError naming the variable', (name, value, message) => {
    expect(() => parse({ [name]: value })).toThrowError(
      expect.objectContaining({ code: 'config', message: expect.stringContaining(message) }),
    );
    try {
      parse({ [name]: value });
    } catch (error) {
      expect(String((error as Error).message)).toContain(name);
    }
  });

  it('accepts rediss:// (TLS)', () => {
    expect(parse({ REDIS_URL: 'rediss://cache.example.com:6380' }).REDIS_URL).toBe('rediss://cache.example.com:6380');
  });
});
