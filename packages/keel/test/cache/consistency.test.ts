import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger, pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCache, type KeelCache } from '../../src/cache/index.js';
import type { RecoveredPeers } from '../../src/cache/recovered-peers.js';
import { eventually } from '../../src/testing/eventually.js';
import { type PrivateRedis, startPrivateRedis } from '../../src/testing/private-redis.js';
import { cacheFactory, testContext, uniquePrefix } from './fixtures.js';
import { startTcpGate, type TcpGate } from './tcp-gate.js';

const STRICT = 's';
const EVENTUAL = 'loose';
const namespaces = { [EVENTUAL]: { consistency: 'eventual' as const } };

/** A logger whose lines the test reads, each tagged with the instance it came from. */
function recordingLogger(instance: string, lines: { instance: string; msg: string; at: number }[]): Logger {
  return pino(
    { level: 'info' },
    {
      write(line: string) {
        lines.push({ instance, msg: String(JSON.parse(line).msg), at: Date.now() });
      },
    },
  );
}

/** Whether `cache` has counted other instances on its prefix (what it waits for after an outage). */
function countedPeers(cache: KeelCache): boolean {
  return (cache as unknown as { parts: { peers: RecoveredPeers } }).parts.peers.hasPeers();
}

describe('strict and eventual namespaces across two instances through a Redis outage', () => {
  const caches = cacheFactory();
  const lines: { instance: string; msg: string; at: number }[] = [];
  // Lines before `since` (an index into `lines`) do not count: each start logs that Redis is back too.
  let since = 0;
  const logged = (instance: string, msg: string) =>
    lines.slice(since).some((l) => l.instance === instance && l.msg === msg);
  const context = testContext();
  let redis: PrivateRedis;
  // `a` reaches Redis through this gate: the test decides when it gets Redis back.
  let gate: TcpGate;
  let a: KeelCache;
  let b: KeelCache;
  // The source of truth; each write changes it, then writes the cache, as a service does.
  let source = 0;
  const load = () => source;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    gate = await startTcpGate(redis.port);
    const prefix = uniquePrefix('consistency');
    // `a` also looks for Redis again only every 1.5 s once it can reach it.
    a = await caches.start({
      redisUrl: gate.url,
      prefix,
      graceMs: 0,
      namespaces,
      redis: { recoveryIntervalMs: 1500 },
      logger: recordingLogger('a', lines),
    });
    b = await caches.start(
      { redisUrl: redis.url, prefix, graceMs: 0, namespaces, logger: recordingLogger('b', lines) },
      context,
    );
  });
  afterAll(async () => {
    await caches.stopAll();
    await gate.stop();
    await redis.close();
  });

  it('answers a strict namespace from the loader while Redis is down, and an eventual one from memory', async () => {
    for (const cache of [a, b]) {
      for (const namespace of [STRICT, EVENTUAL]) expect(await cache.getOrSet('k', load, { namespace })).toBe(0);
    }
    await redis.kill();
    await eventually(() => a.degraded && b.degraded, { timeoutMs: 2000 });
    let staleStrict = 0;
    let staleEventual = 0;
    for (let i = 1; i <= 20; i += 1) {
      // The reader wrote this key itself one round earlier, after the outage began: its copy is stale all the same.
      const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a];
      source = i;
      await writer.set('k', i, { namespace: STRICT });
      await writer.set('k', i, { namespace: EVENTUAL });
      if ((await reader.getOrSet('k', load, { namespace: STRICT })) !== i) staleStrict += 1;
      if ((await reader.getOrSet('k', load, { namespace: EVENTUAL })) !== i) staleEventual += 1;
      expect(await reader.get('k', { namespace: STRICT })).toBeUndefined();
    }
    console.log(`during the outage: ${staleStrict} stale strict reads, ${staleEventual} stale eventual reads of 20`);
    expect(staleStrict).toBe(0);
    // Eventual keeps serving the memory copy: the opt-out really opts out.
    expect(staleEventual).toBe(20);
  });

  it('still runs one load per key for concurrent strict reads while Redis is down, never one begun before the call', async () => {
    expect(b.degraded).toBe(true);
    let hot = 1;
    let loads = 0;
    let firstLoadBegan: () => void = () => undefined;
    const began = new Promise<void>((resolve) => {
      firstLoadBegan = resolve;
    });
    const slowLoad = async () => {
      loads += 1;
      const value = hot;
      firstLoadBegan();
      await sleep(30);
      return value;
    };
    const early = Array.from({ length: 100 }, () => b.getOrSet('hot', slowLoad, { namespace: STRICT }));
    await began;
    // Another instance's write has been answered while the first load runs: later calls must not get that load.
    hot = 2;
    const late = Array.from({ length: 100 }, () => b.getOrSet('hot', slowLoad, { namespace: STRICT }));
    const [earlyValues, lateValues] = await Promise.all([Promise.all(early), Promise.all(late)]);
    console.log(`200 concurrent strict reads of one key during the outage ran ${loads} loads`);
    expect(loads).toBe(2);
    expect(earlyValues[0]).toBe(1);
    expect(new Set(lateValues)).toEqual(new Set([2]));
  });

  it('keeps a strict namespace on the loader after Redis returns until the other instance has recovered too', async () => {
    since = lines.length;
    gate.close();
    await redis.restart();
    await eventually(() => logged('b', 'cache: Redis is back'), { timeoutMs: 3000 });
    // `b` is back but `a` is not: a write through `a` reaches neither Redis nor `b`.
    expect(b.degraded).toBe(true);
    expect((await context.health.run()).checks['cache-redis']?.status).toBe('down');
    let staleStrict = 0;
    let staleEventual = 0;
    const rounds = { cutOff: 0, reconnected: 0 };
    const round = async (): Promise<void> => {
      await b.getOrSet('k', load, { namespace: EVENTUAL });
      source += 1;
      await a.set('k', source, { namespace: STRICT });
      await a.set('k', source, { namespace: EVENTUAL });
      if ((await b.getOrSet('k', load, { namespace: STRICT })) !== source) staleStrict += 1;
      if ((await b.getOrSet('k', load, { namespace: EVENTUAL })) !== source) staleEventual += 1;
      await sleep(25);
    };
    // First `a` cannot reach Redis at all (it is not even subscribed: `b` waits for the instance it counted).
    for (let i = 0; i < 20; i += 1, rounds.cutOff += 1) await round();
    expect(logged('a', 'cache: Redis is back')).toBe(false);
    expect(b.degraded).toBe(true);
    // Then it reconnects but has not recovered yet (subscribed, so it hears `b` ask, and does not answer).
    gate.open();
    for (let i = 0; i < 100 && !logged('a', 'cache: Redis is back'); i += 1, rounds.reconnected += 1) await round();
    console.log(
      `after Redis returned, before the other instance recovered: ${staleStrict} stale strict reads, ` +
        `${staleEventual} stale eventual reads in ${rounds.cutOff} rounds cut off and ${rounds.reconnected} reconnected`,
    );
    expect(rounds.reconnected).toBeGreaterThan(0);
    expect(staleStrict).toBe(0);
    expect(staleEventual).toBeGreaterThan(0);

    // Both settle once `a` is back, and only then does `b` report itself ready.
    await eventually(() => !a.degraded && !b.degraded, { timeoutMs: 5000 });
    const after = lines.slice(since);
    const aBack = after.find((l) => l.instance === 'a' && l.msg === 'cache: Redis is back')!;
    const bSettled = after.find((l) => l.instance === 'b' && l.msg === 'cache: every instance is back')!;
    expect(bSettled.at).toBeGreaterThanOrEqual(aBack.at);
    expect((await context.health.run()).checks['cache-redis']?.status).toBe('up');

    // Nothing stale in either namespace once both are back: `a` replayed what it wrote meanwhile.
    for (const cache of [a, b]) {
      for (const namespace of [STRICT, EVENTUAL]) expect(await cache.getOrSet('k', load, { namespace })).toBe(source);
    }
    // And both namespaces are cached and kept in step again.
    for (let i = 1; i <= 50; i += 1) {
      const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a];
      source += 1;
      for (const namespace of [STRICT, EVENTUAL]) {
        await writer.set('k', source, { namespace });
        expect(await reader.get('k', { namespace })).toBe(source);
      }
    }
  });
});

describe('an instance that only serves memory hits when Redis hangs', () => {
  it('notices the hang by itself and stops answering a strict namespace from memory', async () => {
    const caches = cacheFactory();
    const redis = await startPrivateRedis();
    const prefix = uniquePrefix('hang');
    let source = 0;
    const load = () => source;
    try {
      const a = await caches.start({ redisUrl: redis.url, prefix, graceMs: 0 });
      const b = await caches.start({ redisUrl: redis.url, prefix, graceMs: 0 });
      // `a` counted `b` at its start; `b` counts `a` within a second.
      await eventually(() => countedPeers(a) && countedPeers(b), { timeoutMs: 3000 });
      for (const cache of [a, b]) expect(await cache.getOrSet('k', load, { namespace: STRICT })).toBe(0);
      redis.pause();
      // `b` does nothing meanwhile: only its own check of Redis can tell it that Redis hangs.
      await eventually(() => b.degraded, { timeoutMs: 1500 });
      source = 1;
      await a.set('k', 1, { namespace: STRICT });
      expect(await b.getOrSet('k', load, { namespace: STRICT })).toBe(1);
      redis.resume();
      await eventually(() => !a.degraded && !b.degraded, { timeoutMs: 5000 });
      for (const cache of [a, b]) expect(await cache.getOrSet('k', load, { namespace: STRICT })).toBe(1);
    } finally {
      await caches.stopAll();
      await redis.close();
    }
  });
});

describe('an instance that died during the outage', () => {
  it('holds the others back at most settleTimeoutMs', async () => {
    const redis = await startPrivateRedis();
    const lines: { instance: string; msg: string; at: number }[] = [];
    const prefix = uniquePrefix('settle');
    const doomed = createCache({ redisUrl: redis.url, prefix });
    await doomed.start(testContext());
    // Started second, it counts `doomed` among the instances to wait for.
    const survivor = createCache({
      redisUrl: redis.url,
      prefix,
      redis: { settleTimeoutMs: 800 },
      logger: recordingLogger('survivor', lines),
    });
    await survivor.start(testContext());
    try {
      await redis.kill();
      await doomed.stop();
      // Its start logged that Redis is back too: only what comes after the kill counts.
      const since = lines.length;
      await redis.restart();
      await eventually(() => lines.slice(since).some((l) => l.msg === 'cache: Redis is back'), { timeoutMs: 3000 });
      const back = lines.slice(since).find((l) => l.msg === 'cache: Redis is back')!;
      expect(survivor.degraded).toBe(true);
      await eventually(() => !survivor.degraded, { timeoutMs: 3000 });
      const gaveUp = lines.slice(since).find((l) => l.msg.startsWith('cache: not every instance answered'));
      expect(gaveUp).toBeDefined();
      console.log(`a survivor waited ${gaveUp!.at - back.at} ms for an instance that died (settleTimeoutMs 800)`);
      expect(gaveUp!.at - back.at).toBeGreaterThanOrEqual(700);
    } finally {
      await survivor.stop();
      await redis.close();
    }
  });
});
