import { createTestDatabase, type TestDatabase, testDialects } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comments } from '../src/index.js';
import { startVkStandIn, type VkStandIn } from '../src/vk/stand-in.js';
import { type CommentsHarness, startComments } from './harness.js';

interface ReadyCheck {
  name: string;
  status: string;
  critical: boolean;
}

describe.each(testDialects)('health checks (%s)', (dialect) => {
  let database: TestDatabase;
  let standIn: VkStandIn;
  let harness: CommentsHarness;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    standIn = await startVkStandIn({ posts: { '-1_1': 150 } });
    harness = await startComments(database, { VK_API_URL: standIn.apiUrl });
  });

  afterAll(async () => {
    await harness?.stop();
    await standIn?.close();
    await database?.drop();
  });

  it('covers the store and the VK API, which is not critical: VK down degrades readiness, never fails it', async () => {
    const up = await harness.call('GET', '/health/ready');
    expect(up.status).toBe(200);
    const checks = up.body.checks as ReadyCheck[] | Record<string, ReadyCheck>;
    const list = Array.isArray(checks) ? checks : Object.entries(checks).map(([name, check]) => ({ ...check, name }));
    const vk = list.find((check) => check.name === 'vk-api');
    expect(vk).toMatchObject({ critical: false });
    expect(list.some((check) => /store|database/.test(check.name))).toBe(true);

    // The probe asked VK once (through the throttle); a parse's calls then stand for VK's health.
    expect(standIn.requests).toHaveLength(1);
    await harness.app.use(comments).parse(-1, 1, { signal: new AbortController().signal, progress: () => undefined });
    const afterParse = standIn.requests.length;
    for (let i = 0; i < 3; i++)
      expect((await harness.call('GET', '/health/ready')).body.checks['vk-api'].status).toBe('up');
    expect(standIn.requests).toHaveLength(afterParse);

    await standIn.close();
    // A recent success stands for 30 s; a fresh instance asks VK and finds it down.
    const fresh = await startComments(database, { VK_API_URL: standIn.apiUrl });
    const down = await fresh.call('GET', '/health/ready').finally(() => fresh.stop());
    expect(down.status).toBe(200);
    expect(JSON.stringify(down.body)).toMatch(/degraded/);
  });

  it('reports VK as not configured without asking it when VK_TOKEN is empty', async () => {
    const before = standIn.requests.length;
    const unconfigured = await startComments(database, { VK_API_URL: standIn.apiUrl, VK_TOKEN: '' });
    const ready = await unconfigured.call('GET', '/health/ready').finally(() => unconfigured.stop());
    expect(ready.status).toBe(200);
    expect(ready.body.checks['vk-api']).toMatchObject({ status: 'down', critical: false });
    expect(ready.body.checks['vk-api'].error).toMatch(/VK_TOKEN/);
    expect(standIn.requests.length).toBe(before);
  });

  it('covers Redis when REDIS_URL is set', async () => {
    const withRedis = await startComments(database, {
      VK_API_URL: 'http://127.0.0.1:9/method',
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    });
    try {
      const ready = await withRedis.call('GET', '/health/ready');
      expect(ready.body.checks['cache-redis']).toMatchObject({ status: 'up' });
      expect(ready.body.checks['vk-api']).toMatchObject({ status: 'down', critical: false });
      expect(ready.status).toBe(200);
    } finally {
      await withRedis.stop();
    }
  });
});
