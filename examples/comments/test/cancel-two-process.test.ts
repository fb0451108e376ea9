import { createTestDatabase, type TestDatabase } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVkStandIn, type VkStandIn } from '../src/vk/stand-in.js';
import { type CommentsHarness, startComments, testEnv } from './harness.js';
import { type CommentsProcess, spawnComments } from './process.js';
import { allIds, userToken, waitForTask } from './users.js';

// Instance A (a child process running dist/main.js) runs the tasks; instance B (this process,
// JOBS_WORK=false) only serves the API. One PostgreSQL database between them.
describe('cancelling a running parse from another instance (postgres, two processes)', () => {
  let database: TestDatabase;
  let standIn: VkStandIn;
  let a: CommentsProcess;
  let b: CommentsHarness;
  let token: string;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    standIn = await startVkStandIn({ posts: { '-2_1': 20_000, '-2_2': 500 }, delayMs: 50 });
    const env = { VK_API_URL: standIn.apiUrl, VK_RATE_PER_SECOND: '5', TASK_WORKERS: '1' };
    b = await startComments(database, { ...env, JOBS_WORK: 'false' });
    a = await spawnComments(testEnv(database, { ...env, LOG_LEVEL: 'info' }));
    token = await userToken(b);
  }, 60_000);

  afterAll(async () => {
    a?.child.kill('SIGTERM');
    await a?.exited;
    await b?.stop();
    await standIn?.close();
    await database?.drop();
  });

  it('stops the parse on A within 2 s of a cancel through B; stored comments are whole pages; a cancelled queued task never starts', async () => {
    const running = await b.call('POST', '/api/v1/tasks/parse', { token, body: { ownerId: -2, postId: 1 } });
    expect(running.status).toBe(202);
    await waitForTask(
      b,
      token,
      running.body.id,
      (task) => task.state === 'running' && (task.progress?.done ?? 0) >= 300,
      30_000,
    );

    // A second parse waits behind A's only worker; cancelled while queued, it must never start.
    const queued = await b.call('POST', '/api/v1/tasks/parse', { token, body: { ownerId: -2, postId: 2 } });
    expect(queued.body.state).toBe('queued');
    const cancelledQueued = await b.call('POST', `/api/v1/tasks/${queued.body.id}/cancel`, { token });
    expect(cancelledQueued.status).toBe(202);
    expect(cancelledQueued.body.state).toBe('cancelled');

    const cancelAt = Date.now();
    const cancel = await b.call('POST', `/api/v1/tasks/${running.body.id}/cancel`, { token });
    expect(cancel.status).toBe(202);
    expect(['cancelling', 'cancelled']).toContain(cancel.body.state);
    const cancelled = await waitForTask(b, token, running.body.id, (task) => task.state === 'cancelled', 10_000);
    const stateAfterMs = Date.now() - cancelAt;
    const requestsAtCancel = standIn.requests.filter((request) => request.postId === 1).length;
    // Quiet for two more seconds: A really stopped fetching.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const postRequests = standIn.requests.filter((request) => request.postId === 1);
    const lastRequestAfterMs = (postRequests.at(-1)?.at ?? 0) - cancelAt;
    console.log(
      `cancel through B: state cancelled after ${stateAfterMs} ms, last VK request ${lastRequestAfterMs} ms after the cancel, ${postRequests.length} requests in all`,
    );
    expect(postRequests.length).toBe(requestsAtCancel);
    expect(lastRequestAfterMs).toBeLessThan(2000);
    expect(stateAfterMs).toBeLessThan(2000);
    expect(cancelled.finishedAt).not.toBeNull();

    // Stored comments are consistent: whole pages, ids 1..n, each once.
    const stats = await b.call('GET', '/api/v1/posts/-2_1/stats', { token });
    const stored = stats.body.comments as number;
    expect(stored % 100).toBe(0);
    expect(stored).toBeGreaterThanOrEqual(300);
    expect(stored).toBeLessThan(20_000);
    expect(await allIds(b, token, '-2_1')).toEqual(Array.from({ length: stored }, (_, i) => i + 1));

    // A's worker is free now; the cancelled queued task still never ran.
    const never = await waitForTask(b, token, queued.body.id);
    expect(never).toMatchObject({ state: 'cancelled', startedAt: null });
    expect(standIn.requests.filter((request) => request.postId === 2)).toHaveLength(0);
  }, 90_000);
});
