import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { eventually } from '../../src/testing/eventually.js';
import { cacheFactory, sharedRedisUrl, uniquePrefix } from './fixtures.js';

const caches = cacheFactory();
const redis = new Redis(sharedRedisUrl);
afterEach(() => {
  vi.useRealTimers();
});
afterAll(async () => {
  await caches.stopAll();
  redis.disconnect();
});

// The Redis keys of one entry of the default namespace (generation 0).
const valueKey = (prefix: string, key: string) => `${prefix}:default:0:${key}`;
const lockKey = (prefix: string, key: string) => `${prefix}:__keel:lock:default:0:${key}`;

describe('cross-instance load leases', () => {
  it('never shows the stand-in of a load in progress, and leaves nothing behind once the value is written', async () => {
    const prefix = uniquePrefix('lease-standin');
    const a = await caches.start({ redisUrl: sharedRedisUrl, prefix });
    const b = await caches.start({ redisUrl: sharedRedisUrl, prefix });
    let release: (value: string) => void = () => undefined;
    const loading = a.getOrSet('k', () => new Promise<string>((resolve) => (release = resolve)));
    await eventually(async () => expect(await redis.get(valueKey(prefix, 'k'))).toMatch(/^keel:loading:/));
    // Plain reads on either instance see nothing (not the stand-in); a getOrSet on the other waits.
    expect(await a.get('k')).toBeUndefined();
    expect(await b.get('k')).toBeUndefined();
    // `b` waits on `a`'s lease: it polls the head of the value (GETRANGE), which nothing else sends.
    const monitor = await redis.monitor();
    let bPolled = false;
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[0]?.toLowerCase() === 'getrange' && args[1] === valueKey(prefix, 'k')) bPolled = true;
    });
    let bLoaded = false;
    const waiting = b.getOrSet('k', () => {
      bLoaded = true;
      return 'from b';
    });
    await eventually(() => bPolled);
    monitor.disconnect();
    release('from a');
    expect(await loading).toBe('from a');
    expect(await waiting).toBe('from a');
    expect(bLoaded).toBe(false);
    expect(JSON.parse((await redis.get(valueKey(prefix, 'k')))!).value).toBe('from a');
    expect(await redis.exists(lockKey(prefix, 'k'))).toBe(0);
  });

  it('gives the lease back when the loader fails or returns undefined, so the next load starts at once', async () => {
    const prefix = uniquePrefix('lease-giveback');
    const a = await caches.start({ redisUrl: sharedRedisUrl, prefix });
    await expect(a.getOrSet('k', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    await expect(a.getOrSet('u', () => undefined as unknown as string)).rejects.toMatchObject({ code: 'usage' });
    await eventually(async () => (await redis.exists(valueKey(prefix, 'k'), valueKey(prefix, 'u'))) === 0);
    const started = Date.now();
    expect(await a.getOrSet('k', () => 'ok')).toBe('ok');
    const waited = Date.now() - started;
    console.log(`the next load after a failed one waited ${waited} ms`);
    // A hang bound: a lease not given back would hold this call lockWaitMs (5 s).
    expect(waited).toBeLessThan(1000);
  });

  it('still loads once across instances after a run of Redis hits (reads then stop claiming)', async () => {
    const prefix = uniquePrefix('lease-hits');
    const a = await caches.start({ redisUrl: sharedRedisUrl, prefix });
    const b = await caches.start({ redisUrl: sharedRedisUrl, prefix });
    for (let i = 0; i < 300; i += 1) await a.set(`hit${i}`, i);
    // 300 Redis-tier hits on each: their later reads are plain GETs and the loader claims instead.
    for (let i = 0; i < 300; i += 1) {
      expect(await a.getOrSet(`hit${i}`, () => -1)).toBe(i);
      expect(await b.getOrSet(`hit${i}`, () => -1)).toBe(i);
    }
    let runs = 0;
    const loader = async () => {
      runs += 1;
      await sleep(20);
      return 'once';
    };
    const results = await Promise.all(
      Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? a : b).getOrSet('new', loader)),
    );
    expect(new Set(results)).toEqual(new Set(['once']));
    expect(runs).toBe(1);
  });

  it("takes no lease on bentocache's own tag keys", async () => {
    const prefix = uniquePrefix('lease-tags');
    const a = await caches.start({ redisUrl: sharedRedisUrl, prefix });
    expect(await a.getOrSet('k', () => 'v', { tags: ['t'] })).toBe('v');
    const monitor = await redis.monitor();
    const claims: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[0]?.toLowerCase() === 'set' && args[1]?.startsWith(prefix) && args.includes('NX')) claims.push(args[1]);
    });
    // A memory hit of a tagged entry checks the tag, which this process reads for the first time.
    expect(await a.getOrSet('k', () => 'never', { tags: ['t'] })).toBe('v');
    expect(await a.getOrSet('other', () => 'o')).toBe('o');
    await eventually(() => claims.length > 0);
    monitor.disconnect();
    expect(claims).toEqual([`${prefix}:default:0:other`]);
  });

  it('lets another instance load once the lease of a SIGKILLed loader expires', async () => {
    const prefix = uniquePrefix('lease-killed');
    const lockTtlMs = 1000;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./fixtures/hung-loader.ts', import.meta.url))],
      {
        env: { ...process.env, REDIS_URL: sharedRedisUrl, PREFIX: prefix, LOCK_TTL: String(lockTtlMs), KEY: 'k' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`hung loader exited with ${code}`)));
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('loading')) resolve();
      });
    });
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
    // The dead process still holds the lease: its stand-in is in the value key until it expires.
    expect(await redis.get(valueKey(prefix, 'k'))).toMatch(/^keel:loading:/);
    const b = await caches.start({ redisUrl: sharedRedisUrl, prefix, redis: { lockWaitMs: 10_000 } });
    const leaseLeft = await redis.pttl(valueKey(prefix, 'k'));
    let runs = 0;
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        b.getOrSet('k', async () => {
          runs += 1;
          return 'after the crash';
        }),
      ),
    );
    const waited = Date.now() - started;
    expect(new Set(results)).toEqual(new Set(['after the crash']));
    expect(runs).toBe(1);
    console.log(
      `held up ${waited} ms by the lease of a SIGKILLed loader (${leaseLeft} ms of it left, lockTtlMs ${lockTtlMs})`,
    );
    // Held up by the dead instance's lease until it expired, not by lockWaitMs (10 s): a hang bound, not a latency goal.
    expect(waited).toBeGreaterThanOrEqual(leaseLeft - 50);
    expect(waited).toBeLessThan(lockTtlMs + 3000);
  });

  it('refreshes an expired value once across instances while both serve it from grace', async () => {
    const prefix = uniquePrefix('lease-grace');
    const a = await caches.start({ redisUrl: sharedRedisUrl, prefix, ttlMs: 300, graceMs: 60_000 });
    const b = await caches.start({ redisUrl: sharedRedisUrl, prefix, ttlMs: 300, graceMs: 60_000 });
    expect(await a.getOrSet('k', () => 'v1')).toBe('v1');
    expect(await b.getOrSet('k', () => 'never')).toBe('v1');
    // bentocache reads Date.now() for the ttl: the clock jumps past it (and keeps running, for Redis and the leases).
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + 400);
    let runs = 0;
    const reload = async () => {
      runs += 1;
      await sleep(100);
      return 'v2';
    };
    const served = await Promise.all(
      Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? a : b).getOrSet('k', reload)),
    );
    // Stale-while-revalidate: every call answered from grace at once, one reload across both instances.
    expect(new Set(served)).toEqual(new Set(['v1']));
    await eventually(async () => (await a.get('k')) === 'v2' && (await b.get('k')) === 'v2');
    vi.useRealTimers();
    expect(runs).toBe(1);
    expect(await a.getOrSet('k', reload)).toBe('v2');
    expect(await b.getOrSet('k', reload)).toBe('v2');
    expect(runs).toBe(1);
    // The lock is given back after the write, on the loader's own connection: released, well before its 10 s lease ends.
    await eventually(async () => (await redis.exists(lockKey(prefix, 'k'))) === 0, { timeoutMs: 2000 });
  });
});
