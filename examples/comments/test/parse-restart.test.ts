import { createTestDatabase, type TestDatabase, testDialects } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVkStandIn, type VkStandIn } from '../src/vk/stand-in.js';
import { type CommentsHarness, startComments } from './harness.js';
import { allIds, userToken, waitForTask } from './users.js';

describe.each(testDialects)('a parse interrupted by a shutdown resumes after the restart (%s)', (dialect) => {
  let database: TestDatabase;
  let standIn: VkStandIn;
  let first: CommentsHarness | undefined;
  let second: CommentsHarness | undefined;
  const env = () => ({
    VK_API_URL: standIn.apiUrl,
    VK_RATE_PER_SECOND: '5',
    JWT_SECRET: 'a-test-secret-of-at-least-32-bytes-long!!',
  });

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    standIn = await startVkStandIn({ posts: { '-5_1': 2000 } });
  });

  afterAll(async () => {
    await first?.stop().catch(() => undefined);
    await second?.stop();
    await standIn?.close();
    await database?.drop();
  });

  it('keeps progress and checkpoint through the restart and never fetches a stored page again', async () => {
    first = await startComments(database, env());
    const token = await userToken(first);
    const created = await first.call('POST', '/api/v1/tasks/parse', { token, body: { ownerId: -5, postId: 1 } });
    const before = await waitForTask(
      first,
      token,
      created.body.id,
      (task) => (task.progress?.done ?? 0) >= 500,
      30_000,
    );
    expect(before.state).toBe('running');
    await first.stop();
    first = undefined;
    const requestsAtStop = standIn.requests.length;

    second = await startComments(database, env());
    const interrupted = await second.call('GET', `/api/v1/tasks/${created.body.id}`, { token });
    // Back in the queue (or already picked up again), its progress kept.
    expect(['queued', 'running']).toContain(interrupted.body.state);
    expect(interrupted.body.progress.done).toBeGreaterThanOrEqual(500);
    const task = await waitForTask(second, token, created.body.id, undefined, 60_000);
    expect(task).toMatchObject({ state: 'succeeded', progress: { done: 2000, total: 2000 }, result: { stored: 2000 } });
    const resumedOffsets = standIn.requests.slice(requestsAtStop).map((request) => request.offset);
    // The second run started at the checkpoint: at most the page in flight at the stop is fetched again.
    expect(resumedOffsets[0]).toBeGreaterThanOrEqual(500);
    const okOffsets = standIn.requests.filter((request) => request.outcome === 'ok').map((request) => request.offset);
    expect(okOffsets.length - new Set(okOffsets).size).toBeLessThanOrEqual(1);
    expect(await allIds(second, token, '-5_1')).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
  }, 120_000);
});
