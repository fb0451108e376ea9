import { defineTask } from 'keel/tasks';
import { createTestDatabase, type TestDatabase, testDialects } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startVkStandIn, type VkStandIn } from '../src/vk/stand-in.js';
import { type CommentsHarness, startComments } from './harness.js';
import { userToken, waitForTask } from './users.js';

// A handler that ignores its signal: it only ends after `ms`, whatever happens.
let stubbornEnded = 0;
const stubborn = defineTask({
  name: 'stubborn',
  input: z.object({ ms: z.number().int() }),
  timeoutMs: 400,
  handler: async (task) => {
    await new Promise((resolve) => setTimeout(resolve, task.input.ms));
    stubbornEnded++;
    return { finished: true };
  },
});

describe.each(testDialects)('task scheduling (%s)', (dialect) => {
  let database: TestDatabase;
  let standIn: VkStandIn;
  let harness: CommentsHarness;
  let token: string;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const posts: Record<string, number> = { '-9_1': 300, '-9_2': 300 };
    for (let i = 1; i <= 20; i++) posts[`-8_${i}`] = 20;
    standIn = await startVkStandIn({
      posts,
      // The two blockers answer slowly, so both workers stay busy while the others queue.
      fault: ({ ownerId }) => (ownerId === -9 ? { kind: 'delay', ms: 700 } : undefined),
    });
    harness = await startComments(
      database,
      { VK_API_URL: standIn.apiUrl, VK_RATE_PER_SECOND: '50', TASK_WORKERS: '2' },
      [stubborn],
    );
    token = await userToken(harness);
  });

  afterAll(async () => {
    await harness?.stop();
    await standIn?.close();
    await database?.drop();
  });

  it('starts a high-priority export queued after 20 low-priority parses before them while workers are busy', async () => {
    const blockers = [];
    for (const postId of [1, 2]) {
      const created = await harness.call('POST', '/api/v1/tasks/parse', { token, body: { ownerId: -9, postId } });
      blockers.push(created.body.id as string);
    }
    for (const id of blockers) await waitForTask(harness, token, id, (task) => task.state === 'running', 20_000);
    const low: string[] = [];
    for (let i = 1; i <= 20; i++) {
      const created = await harness.call('POST', '/api/v1/tasks/parse', {
        token,
        body: { ownerId: -8, postId: i, priority: -10 },
      });
      expect(created.status).toBe(202);
      low.push(created.body.id);
    }
    const exported = await harness.call('POST', '/api/v1/tasks/export', {
      token,
      body: { ownerId: -9, postId: 1, format: 'json', priority: 50 },
    });
    expect(exported.status).toBe(202);
    expect(exported.body.priority).toBe(50);
    // All 20 are still queued behind the two busy workers.
    const listed = await harness.call('GET', '/api/v1/tasks?state=queued&limit=100', { token });
    expect(listed.body.items.length).toBe(21);

    const exportTask = await waitForTask(harness, token, exported.body.id);
    expect(exportTask.state).toBe('succeeded');
    const parses = await Promise.all(low.map((id) => waitForTask(harness, token, id)));
    const exportStarted = new Date(exportTask.startedAt).getTime();
    for (const parse of parses) {
      expect(parse.state).toBe('succeeded');
      expect(new Date(parse.startedAt).getTime()).toBeGreaterThanOrEqual(exportStarted);
    }
    for (const id of blockers) expect((await waitForTask(harness, token, id)).state).toBe('succeeded');
  }, 120_000);

  it('cuts a handler that ignores its signal at its timeout, and says so', async () => {
    const endedBefore = stubbornEnded;
    const created = await harness.call('POST', '/api/v1/tasks/stubborn', { token, body: { ms: 6000 } });
    expect(created.status).toBe(202);
    const task = await waitForTask(harness, token, created.body.id, undefined, 30_000);
    // Ended while the handler was still running: cut, not waited for.
    expect(stubbornEnded).toBe(endedBefore);
    expect(task).toMatchObject({ state: 'failed', error: { code: 'timeout' }, result: null });
    // Its late return changes nothing.
    await new Promise((resolve) => setTimeout(resolve, 6500 - (Date.now() - new Date(task.startedAt).getTime())));
    expect(stubbornEnded).toBe(endedBefore + 1);
    const after = await harness.call('GET', `/api/v1/tasks/${task.id}`, { token });
    expect(after.body).toMatchObject({ state: 'failed', error: { code: 'timeout' }, result: null });
  }, 60_000);

  it('answers problem+json for an unknown task and for cancelling a finished one', async () => {
    const unknown = await harness.call('GET', '/api/v1/tasks/01JZZZZZZZZZZZZZZZZZZZZZZZ', { token });
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(unknown.body.type).toBe('urn:keel:problem:task_not_found');
    const created = await harness.call('POST', '/api/v1/tasks/parse', { token, body: { ownerId: -8, postId: 1 } });
    await waitForTask(harness, token, created.body.id);
    const late = await harness.call('POST', `/api/v1/tasks/${created.body.id}/cancel`, { token });
    expect(late.status).toBe(409);
    expect(late.body.type).toBe('urn:keel:problem:task_not_cancellable');
    const other = await userToken(harness, 'other');
    const foreign = await harness.call('GET', `/api/v1/tasks/${created.body.id}`, { token: other });
    expect(foreign.status).toBe(404);
  }, 60_000);
});
