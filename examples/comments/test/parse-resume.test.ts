import { createTestDatabase, type TestDatabase, testDialects } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVkStandIn, type VkStandIn } from '../src/vk/stand-in.js';
import { type CommentsHarness, startComments } from './harness.js';
import { userToken, waitForTask } from './users.js';

describe.each(testDialects)('a parse retried after VK kept failing resumes from its checkpoint (%s)', (dialect) => {
  let database: TestDatabase;
  let standIn: VkStandIn;
  let harness: CommentsHarness;
  let token: string;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    standIn = await startVkStandIn({
      posts: { '-6_1': 1000 },
      // Page 6 answers error 10 three times: more than VK_MAX_ATTEMPTS=2, so the first task attempt fails there.
      fault: ({ offset, attempt }) => (offset === 600 && attempt <= 3 ? { kind: 'vk-error', code: 10 } : undefined),
    });
    harness = await startComments(database, {
      VK_API_URL: standIn.apiUrl,
      VK_RATE_PER_SECOND: '50',
      VK_MAX_ATTEMPTS: '2',
    });
    token = await userToken(harness);
  });

  afterAll(async () => {
    await harness?.stop();
    await standIn?.close();
    await database?.drop();
  });

  it('keeps its progress, fetches no page twice, and ends with every comment', async () => {
    const created = await harness.call('POST', '/api/v1/tasks/parse', { token, body: { ownerId: -6, postId: 1 } });
    const task = await waitForTask(harness, token, created.body.id, undefined, 60_000);
    expect(task).toMatchObject({ state: 'succeeded', attempts: 2, progress: { done: 1000, total: 1000 } });
    expect(task.result).toMatchObject({ stored: 1000, reportedCount: 1000 });
    const offsets = standIn.requests.filter((request) => request.outcome === 'ok').map((request) => request.offset);
    // Pages before the failure were fetched once: the second attempt started at the checkpoint (600).
    expect(offsets).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    expect(standIn.requests.filter((request) => request.offset === 600).map((request) => request.outcome)).toEqual([
      'vk-error:10',
      'vk-error:10',
      'vk-error:10',
      'ok',
    ]);
  }, 90_000);
});
