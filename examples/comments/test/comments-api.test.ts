import { createTestDatabase, type TestDatabase, testDialects } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comments } from '../src/index.js';
import { startVkStandIn, type VkStandIn } from '../src/vk/stand-in.js';
import { type CommentsHarness, startComments } from './harness.js';
import { seedComments } from './seed.js';
import { userToken, waitForTask } from './users.js';

describe.each(testDialects)('the comments API (%s)', (dialect) => {
  let database: TestDatabase;
  let standIn: VkStandIn;
  let harness: CommentsHarness;
  let token: string;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    standIn = await startVkStandIn({ posts: { '5_6': 1050 } });
    harness = await startComments(database, { VK_API_URL: standIn.apiUrl, VK_RATE_PER_SECOND: '50' });
    token = await userToken(harness);
    await seedComments(harness.app.use(comments), -4, 2, 230);
  });

  afterAll(async () => {
    await harness?.stop();
    await standIn?.close();
    await database?.drop();
  });

  it('pages a post by id with opaque cursors, and aggregates it', async () => {
    const first = await harness.call('GET', '/api/v1/posts/-4_2/comments?limit=100', { token });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(100);
    expect(first.body.items[0]).toMatchObject({ id: 1, sentiment: null });
    const second = await harness.call('GET', `/api/v1/posts/-4_2/comments?limit=100&cursor=${first.body.nextCursor}`, {
      token,
    });
    expect(second.body.items[0].id).toBe(101);
    const third = await harness.call('GET', `/api/v1/posts/-4_2/comments?limit=100&cursor=${second.body.nextCursor}`, {
      token,
    });
    expect(third.body.items).toHaveLength(30);
    expect(third.body.nextCursor).toBeNull();

    const stats = await harness.call('GET', '/api/v1/posts/-4_2/stats', { token });
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ ownerId: -4, postId: 2, comments: 230, reportedCount: 230, sentiment: null });
    expect(stats.body.commenters).toBeGreaterThan(100);
  });

  it('analyzes a parsed post: a deterministic result, and each comment gets its sentiment', async () => {
    const parsed = await harness.call('POST', '/api/v1/tasks/parse', { token, body: { ownerId: 5, postId: 6 } });
    expect((await waitForTask(harness, token, parsed.body.id)).state).toBe('succeeded');
    const run = async () => {
      const created = await harness.call('POST', '/api/v1/tasks/analyze', { token, body: { ownerId: 5, postId: 6 } });
      expect(created.status).toBe(202);
      const task = await waitForTask(harness, token, created.body.id);
      expect(task.state).toBe('succeeded');
      const result = await harness.call('GET', `/api/v1/tasks/${task.id}/result`, { token });
      expect(result.status).toBe(200);
      return result.body;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first).toMatchObject({ ownerId: 5, postId: 6, comments: 1050, timeline: { bucket: 'day' } });
    expect(first.keywords.length).toBeGreaterThan(5);
    expect(first.topCommenters.length).toBe(20);
    const { positive, negative, neutral } = first.sentiment;
    expect(positive + negative + neutral).toBe(1050);
    const page = await harness.call('GET', '/api/v1/posts/5_6/comments?limit=3', { token });
    expect(page.body.items[0].sentiment).toMatchObject({ label: expect.stringMatching(/positive|negative|neutral/) });
    const stats = await harness.call('GET', '/api/v1/posts/5_6/stats', { token });
    expect(stats.body.sentiment).toMatchObject({ positive, negative, neutral });
  }, 60_000);

  it('answers problem+json for bad input, unknown posts and missing tokens', async () => {
    const malformed = await harness.call('GET', '/api/v1/posts/abc/comments', { token });
    expect(malformed.status).toBe(400);
    expect(malformed.headers['content-type']).toMatch(/application\/problem\+json/);
    const cursor = await harness.call('GET', '/api/v1/posts/-4_2/comments?cursor=nope', { token });
    expect(cursor.status).toBe(400);
    expect(cursor.body.errors[0]).toMatchObject({ location: 'query', path: 'cursor' });
    const limit = await harness.call('GET', '/api/v1/posts/-4_2/comments?limit=0', { token });
    expect(limit.status).toBe(400);
    const unknown = await harness.call('GET', '/api/v1/posts/-4_3/stats', { token });
    expect(unknown.status).toBe(404);
    const anonymous = await harness.call('GET', '/api/v1/posts/-4_2/comments');
    expect(anonymous.status).toBe(401);
  });

  it('documents every route in OpenAPI with its security and problems', async () => {
    const docs = await harness.call('GET', '/docs/json');
    expect(docs.status).toBe(200);
    expect(docs.body.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const operations = Object.entries(docs.body.paths as Record<string, Record<string, any>>).filter(([path]) =>
      /^\/api\/v1\/(tasks|posts)/.test(path),
    );
    expect(operations.map(([path]) => path)).toEqual(
      expect.arrayContaining([
        '/api/v1/tasks/parse',
        '/api/v1/tasks/analyze',
        '/api/v1/tasks/export',
        '/api/v1/tasks/{id}/cancel',
        '/api/v1/tasks/{id}/result',
        '/api/v1/tasks/{id}/events',
        '/api/v1/posts/{post}/comments',
        '/api/v1/posts/{post}/stats',
      ]),
    );
    for (const [, methods] of operations) {
      for (const operation of Object.values(methods)) {
        expect(operation.security).toEqual([{ bearerAuth: [] }]);
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '500']));
      }
    }
  });
});
