import { createTestDatabase, type TestDatabase } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type PrivateRedis, startPrivateRedis, uniqueCachePrefix } from './cache-helpers.js';
import { type PlannerHarness, startPlanner } from './harness.js';

describe('planner cache stats and readiness', () => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  let h: PlannerHarness;
  let boss: { id: string; token: string };

  beforeAll(async () => {
    [database, redis] = await Promise.all([createTestDatabase('postgres'), startPrivateRedis()]);
    h = await startPlanner(database, {
      REDIS_URL: redis.url,
      CACHE_PREFIX: uniqueCachePrefix('admin'),
      ADMIN_EMAILS: 'cache-boss@example.com',
      LOG_LEVEL: 'warn',
    });
    boss = await h.user('Boss', 'cache-boss@example.com');
  });
  afterAll(async () => {
    await h?.stop();
    await redis?.close();
    await database?.drop();
  });

  it('serves GET /admin/cache_stats to admins only, with hits and misses per namespace', async () => {
    const user = await h.user('Plain');
    const anonymous = await h.call('GET', '/admin/cache_stats');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.status).toBe(401);
    const forbidden = await h.call('GET', '/admin/cache_stats', { token: user.token });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.status).toBe(403);

    // Three list reads: one miss, then hits; each request also looks its user up through the cache.
    for (let i = 0; i < 3; i += 1)
      expect((await h.call('GET', '/api/v1/events', { token: user.token })).status).toBe(200);
    const stats = await h.call('GET', '/admin/cache_stats', { token: boss.token });
    expect(stats.status).toBe(200);
    const { namespaces, redis: tier } = stats.body;
    expect(namespaces['event-pages']).toMatchObject({ misses: 1, hits: 2, memoryEntries: 1 });
    expect(namespaces['event-pages'].hitRate).toBeCloseTo(2 / 3);
    // Users: one miss each (user, then boss), the rest hits.
    expect(namespaces.users.misses).toBe(2);
    expect(namespaces.users.hits).toBeGreaterThanOrEqual(3);
    expect(tier).toMatchObject({ status: 'up', keyCount: expect.any(Number), usedMemoryBytes: expect.any(Number) });
  });

  it('reports Redis as a non-critical readiness check: degraded (200) while it is down, ok once it is back', async () => {
    const up = await h.call('GET', '/health/ready');
    expect(up.status).toBe(200);
    expect(up.body.status).toBe('ok');
    expect(up.body.checks['cache-redis']).toMatchObject({ status: 'up', critical: false });

    await redis.kill();
    const down = await h.call('GET', '/health/ready');
    expect(down.status).toBe(200);
    expect(down.body.status).toBe('degraded');
    expect(down.body.checks['cache-redis']).toMatchObject({ status: 'down', critical: false });
    // Authenticated requests and the stats keep answering from memory and the database.
    expect((await h.call('GET', '/api/v1/events', { token: boss.token })).status).toBe(200);
    const stats = await h.call('GET', '/admin/cache_stats', { token: boss.token });
    expect(stats.status).toBe(200);
    expect(stats.body.redis).toMatchObject({ status: 'down', error: expect.any(String) });

    await redis.restart();
    expect(await eventually(async () => (await h.call('GET', '/health/ready')).body.status === 'ok')).toBe(true);
  });
});
