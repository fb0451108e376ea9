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
let releaseSlowWarmUp: () => void = () => undefined;
const logLines: string[] = [];

// Every metric the cache registers: each must be scraped under `keel_cache_`.
const CACHE_METRICS = [
  'keel_cache_hits_total',
  'keel_cache_misses_total',
  'keel_cache_graced_hits_total',
  'keel_cache_memory_entries',
  'keel_cache_memory_bytes',
  'keel_cache_redis_up',
  'keel_cache_redis_used_memory_bytes',
  'keel_cache_redis_keys',
  'keel_cache_redis_connected_clients',
];

beforeAll(async () => {
  const logger = pino({ level: 'error' }, { write: (line: string) => logLines.push(line) });
  service = new Service({ name: 'cache-test', logger });
  cache = createCache({ redisUrl: sharedRedisUrl, prefix: uniquePrefix('service'), warmUpTimeoutMs: 200 });
  cache.warmUp('settings', async () => {
    await cache.set('settings', { theme: 'dark' }, { namespace: 'config' });
  });
  // Held until the tests end: a start that waited for it would never return.
  cache.warmUp('slow', async () => {
    await new Promise<void>((resolve) => {
      releaseSlowWarmUp = resolve;
    });
    slowWarmUpDone = true;
  });
  http = createHttpServer({ port: 0, dependsOn: ['cache'], rateLimit: false, checkResponses: true });
  http.routes(
    cacheAdminRoutes(cache, {
      guard: async (request) => {
        if (request.headers.authorization !== 'Bearer admin') throw new UnauthorizedError();
      },
    }),
  );
  http.routes(async (app) => {
    app.get('/undefined-loader', async () => cache.getOrSet('user:secret-42', () => undefined));
  });
  service.add(cache).add(http);
  const started = performance.now();
  await service.start();
  console.log(`the service started in ${Math.round(performance.now() - started)} ms with a warm-up still running`);
});
afterAll(async () => {
  releaseSlowWarmUp();
  await service.stop();
});

describe('cache in a service', () => {
  it('ran the fast warm-up before readiness and left the slow one in the background', async () => {
    expect(await cache.get('settings', { namespace: 'config' })).toEqual({ theme: 'dark' });
    expect(slowWarmUpDone).toBe(false);
  });

  it('refuses namespaces and warm-ups once started', () => {
    expect(() => cache.addNamespaces({ late: {} })).toThrowError(expect.objectContaining({ code: 'usage' }));
    expect(() => cache.warmUp('late', async () => undefined)).toThrowError(expect.objectContaining({ code: 'usage' }));
  });

  it.each([
    ['/admin/cache/stats', 'users'],
    ['/admin/cache_stats', 'accounts'],
  ])('serves GET %s behind the guard', async (url, namespace) => {
    await cache.getOrSet('u1', () => ({ id: 'u1' }), { namespace });
    await cache.getOrSet('u1', () => ({ id: 'u1' }), { namespace });
    const refused = await http.app.inject({ method: 'GET', url });
    expect(refused.statusCode).toBe(401);
    const response = await http.app.inject({ method: 'GET', url, headers: { authorization: 'Bearer admin' } });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.namespaces[namespace]).toMatchObject({ hits: 1, misses: 1, hitRate: 0.5, memoryEntries: 1 });
    expect(body.redis.status).toBe('up');
    expect(body.redis.usedMemoryBytes).toBeGreaterThan(0);
    expect(body.redis.keyCount).toBeGreaterThan(0);
    expect(body.redis.connectedClients).toBeGreaterThan(0);
  });

  it('documents both routes in OpenAPI with their response schema, under the cache admin tag', async () => {
    const document = (await http.app.inject('/docs/json')).json();
    for (const path of ['/admin/cache/stats', '/admin/cache_stats']) {
      const get = document.paths[path]?.get;
      expect(get, path).toBeDefined();
      expect(get.tags).toEqual(['cache admin']);
      const schema = get.responses['200'].content['application/json'].schema;
      expect(Object.keys(schema.properties)).toEqual(['namespaces', 'redis']);
      expect(Object.keys(get.responses)).toEqual(expect.arrayContaining(['401', '403']));
    }
    expect(document.paths['/admin/cache_stats'].get.summary).toContain('alias of /admin/cache/stats');
  });

  it('answers a loader that returned undefined with a 500 that does not show the key, and logs the key', async () => {
    const response = await http.app.inject({ method: 'GET', url: '/undefined-loader' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ type: 'urn:keel:problem:usage', detail: 'An unexpected error occurred' });
    expect(response.body).not.toContain('secret-42');
    expect(logLines.some((line) => line.includes('the loader of key \\"user:secret-42\\" returned undefined'))).toBe(
      true,
    );
  });

  it('exposes every keel_cache_* metric and a non-critical Redis readiness check', async () => {
    const metrics = (await http.app.inject({ method: 'GET', url: '/metrics' })).body;
    const names = new Set([...metrics.matchAll(/^# TYPE (keel_cache_\w+) /gm)].map((match) => match[1]));
    expect([...names].sort()).toEqual([...CACHE_METRICS].sort());
    expect(metrics).toMatch(/keel_cache_hits_total\{[^}]*namespace="users"[^}]*\} 1/);
    expect(metrics).toMatch(/keel_cache_redis_up\{[^}]*\} 1/);
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
