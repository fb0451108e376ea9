import { createTestDatabase, type TestDatabase, testDialects } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVkStandIn, type VkFault, type VkStandIn } from '../src/vk/stand-in.js';
import { type CommentsHarness, startComments } from './harness.js';
import { readEvents } from './sse.js';
import { allIds, userToken, waitForTask } from './users.js';

const RATE = 10;

// 10% of the pages fail their first attempt: half with VK error 6, half with HTTP 500; two of
// them fail twice (error 6 then 500), so retries are exercised beyond the first.
function faults({ offset, attempt }: { offset: number; attempt: number }): VkFault | undefined {
  const page = offset / 100;
  if (page % 10 !== 3) return undefined;
  if (attempt === 1) return page % 20 === 3 ? { kind: 'vk-error', code: 6 } : { kind: 'http-status', status: 500 };
  if (attempt === 2 && (page === 13 || page === 53)) return { kind: 'http-status', status: 500 };
  return undefined;
}

describe.each(testDialects)('parse tasks (%s)', (dialect) => {
  let database: TestDatabase;
  let standIn: VkStandIn;
  let harness: CommentsHarness;
  let token: string;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    standIn = await startVkStandIn({
      posts: { '-1_1': 10_000 },
      refusedPosts: { '-1_15': 15, '-1_18': 18, '-1_30': 30 },
      token: 'test-token',
      fault: faults,
    });
    harness = await startComments(database, { VK_API_URL: standIn.apiUrl, VK_RATE_PER_SECOND: String(RATE) });
    token = await userToken(harness);
  });

  afterAll(async () => {
    await harness?.stop();
    await standIn?.close();
    await database?.drop();
  });

  it('stores exactly 10,000 comments once through error 6 and HTTP 500 on 10% of pages, progress monotonic, rate kept', async () => {
    const created = await harness.call('POST', '/api/v1/tasks/parse', { token, body: { ownerId: -1, postId: 1 } });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ type: 'parse', state: expect.stringMatching(/queued|running/) });
    const events = await readEvents(`${harness.app.http.url}/api/v1/tasks/${created.body.id}/events`, token, 120_000);

    // The SSE client saw progress events, then the final state last.
    const progress = events.filter((event) => event.event === 'progress').map((event) => event.data);
    expect(progress.length).toBeGreaterThan(3);
    for (let i = 1; i < progress.length; i++) expect(progress[i].done).toBeGreaterThanOrEqual(progress[i - 1].done);
    const last = events.at(-1);
    expect(last?.event).toBe('state');
    expect(last?.data).toMatchObject({ state: 'succeeded', progress: { done: 10_000, total: 10_000 } });
    expect(last?.data.result).toMatchObject({
      ownerId: -1,
      postId: 1,
      fetched: 10_000,
      reportedCount: 10_000,
      stored: 10_000,
    });

    const stats = await harness.call('GET', '/api/v1/posts/-1_1/stats', { token });
    expect(stats.body).toMatchObject({ comments: 10_000, reportedCount: 10_000 });
    // Every id once: page through the comments API.
    const ids = await allIds(harness, token, '-1_1');
    expect(ids).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));

    const failed = standIn.requests.filter((request) => request.outcome !== 'ok');
    expect(failed.filter((request) => request.outcome === 'vk-error:6').length).toBeGreaterThanOrEqual(5);
    expect(failed.filter((request) => request.outcome === 'http:500').length).toBeGreaterThanOrEqual(5);
    const most = standIn.maxInWindow(1000);
    console.log(
      `${dialect}: ${standIn.requests.length} VK requests (${failed.length} failed and retried), at most ${most} in any one-second window (VK_RATE_PER_SECOND=${RATE}), ${progress.length} progress events`,
    );
    expect(most).toBeLessThanOrEqual(RATE);
  }, 180_000);

  it.each([
    [15, /access denied/],
    [18, /deleted or banned/],
    [30, /private/],
  ])('fails at once with the reason on VK error %i, never retried', async (code, reason) => {
    const before = standIn.requests.length;
    const created = await harness.call('POST', '/api/v1/tasks/parse', { token, body: { ownerId: -1, postId: code } });
    const task = await waitForTask(harness, token, created.body.id);
    expect(task.state).toBe('failed');
    expect(task.attempts).toBe(1);
    expect(task.error.message).toMatch(reason);
    expect(task.error.message).toMatch(`VK error ${code}`);
    expect(task.error.reason).toBe('vk_api_error');
    expect(standIn.requests.length - before).toBe(1);
  });

  it('refuses bad input with problem+json', async () => {
    const bad = await harness.call('POST', '/api/v1/tasks/parse', { token, body: { ownerId: 0, postId: -5 } });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    const format = await harness.call('POST', '/api/v1/tasks/export', {
      token,
      body: { ownerId: -1, postId: 1, format: 'pdf' },
    });
    expect(format.status).toBe(400);
    const anonymous = await harness.call('POST', '/api/v1/tasks/parse', { body: { ownerId: -1, postId: 1 } });
    expect(anonymous.status).toBe(401);
  });
});
