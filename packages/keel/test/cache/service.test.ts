import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheAdminRoutes, createCache, type KeelCache } from '../../src/cache/index.js';
import { UnauthorizedError } from '../../src/errors/index.js';
import { createHttpServer, type HttpServer } from '../../src/http/index.js';
import { Service } from '../../src/service/index.js';
import { sharedRedisUrl, uniquePrefix } from './fixtures.js';

let service: Service;
let cache: KeelCache;
let http: HttpServer;
let slowWarmUpDone = false;

beforeAll(async () => {
  service = new Service({ name: 'cache-test', logger: pino({ level: 'silent' }) });
  cache = createCache({ redisUrl: sharedRedisUrl, prefix: uniquePrefix('service'), warmUpTimeout: 200 });
  cache.warmUp('settings', async () => {
    await cache.set('settings', { theme: 'dark' }, { namespace: 'config' });
  });
  cache.warmUp('slow', async () => {
    await sleep(1500);
    slowWarmUpDone = true;
  });
  http = createHttpServer({ port: 0, dependsOn: ['cache'], rateLimit: false });
  http.routes(
    cacheAdminRoutes(cache, {
      onRequest: async (request) => {
        if (request.headers.authorization !== 'Bearer admin') throw new UnauthorizedError();
      },
    }),
  );
  service.add(cache).add(http);
  const started = performance.now();
  await service.start();
  // The slow warm-up did not hold the start past its bound.
  expect(performance.now() - started).toBeLessThan(1000);
});
afterAll(async () => {
  await service.stop();
});

describe('cache in a service', () => {
  it('ran the fast warm-up before readiness and left the slow one in the background', async () => {
    expect(await cache.get('settings', { namespace: 'config' })).toEqual({ theme: 'dark' });
    expect(slowWarmUpDone).toBe(false);
  });

  it('serves GET /admin/cache_stats behind the guard', async () => {
    await cache.getOrSet('u1', () => ({ id: 'u1' }), { namespace: 'users' });
    await cache.getOrSet('u1', () => ({ id: 'u1' }), { namespace: 'users' });
    const refused = await http.app.inject({ method: 'GET', url: '/admin/cache_stats' });
    expect(refused.statusCode).toBe(401);
    const response = await http.app.inject({
      method: 'GET',
      url: '/admin/cache_stats',
      headers: { authorization: 'Bearer admin' },
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.namespaces.users).toMatchObject({ hits: 1, misses: 1, hitRate: 0.5, memoryEntries: 1 });
    expect(body.redis.status).toBe('up');
    expect(body.redis.usedMemoryBytes).toBeGreaterThan(0);
    expect(body.redis.keyCount).toBeGreaterThan(0);
    expect(body.redis.connectedClients).toBeGreaterThan(0);
  });

  it('exposes Prometheus metrics and a non-critical Redis readiness check', async () => {
    const metrics = await http.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/keel_cache_hits_total\{[^}]*namespace="users"[^}]*\} 1/);
    expect(metrics.body).toMatch(/keel_cache_redis_up\{[^}]*\} 1/);
    const ready = await http.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.json().checks['cache-redis']).toMatchObject({ status: 'up', critical: false });
  });

  it('closes its Redis connections on stop', async () => {
    const own = createCache({ redisUrl: sharedRedisUrl, prefix: uniquePrefix('stop') });
    const svc = new Service({ name: 'stop-test', logger: pino({ level: 'silent' }) }).add(own);
    await svc.start();
    expect((await own.stats()).redis?.status).toBe('up');
    const result = await svc.stop();
    expect(result.clean).toBe(true);
    expect((await own.stats()).redis?.status).toBe('down');
  });
});
