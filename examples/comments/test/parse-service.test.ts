import { createTestDatabase, type TestDatabase, testDialects } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comments } from '../src/index.js';
import { startVkStandIn, type VkStandIn } from '../src/vk/stand-in.js';
import { type CommentsHarness, startComments } from './harness.js';

describe.each(testDialects)('parsing a post through the comments service (%s)', (dialect) => {
  let database: TestDatabase;
  let standIn: VkStandIn;
  let harness: CommentsHarness;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    standIn = await startVkStandIn({
      posts: { '-7_42': 1234 },
      // The first attempt of every third page fails: VK error 10, then HTTP 502 on its second.
      fault: ({ offset, attempt }) =>
        (offset / 100) % 3 === 1 && attempt === 1
          ? { kind: 'vk-error', code: 10 }
          : (offset / 100) % 3 === 1 && attempt === 2
            ? { kind: 'http-status', status: 502 }
            : undefined,
    });
    harness = await startComments(database, { VK_API_URL: standIn.apiUrl, VK_RATE_PER_SECOND: '40' });
  });

  afterAll(async () => {
    await harness?.stop();
    await standIn?.close();
    await database?.drop();
  });

  it('stores every comment once, resumes from a checkpoint, and updates comments seen again', async () => {
    const service = harness.app.use(comments);
    const progress: [number, number][] = [];
    const context = {
      signal: new AbortController().signal,
      progress: (done: number, total: number) => void progress.push([done, total]),
    };
    const result = await service.parse(-7, 42, context);
    expect(result).toMatchObject({ ownerId: -7, postId: 42, fetched: 1234, reportedCount: 1234, stored: 1234 });
    expect(progress.at(-1)).toEqual([1234, 1234]);
    for (let i = 1; i < progress.length; i++)
      expect(progress[i]?.[0]).toBeGreaterThanOrEqual(progress[i - 1]?.[0] ?? 0);

    // Comment 700 is stale in the store (edited and unliked since): the next parse must update it.
    const stale = { ...standIn.comment(-7, 42, 699), text: 'stale text', likes: { count: 0 } };
    await service.comments.upsertPage(-7, 42, [stale], 1234);
    expect((await service.comments.page(-7, 42, 1, 699))[0]).toMatchObject({ id: 700, text: 'stale text', likes: 0 });

    // A second parse from offset 600 (a resumed one) updates rows in place: still 1234, none twice.
    const again = await service.parse(-7, 42, context, 600);
    const fresh = standIn.comment(-7, 42, 699);
    expect((await service.comments.page(-7, 42, 1, 699))[0]).toMatchObject({
      id: 700,
      text: fresh.text,
      likes: fresh.likes.count,
    });
    expect(again).toMatchObject({ fetched: 1234, stored: 1234 });
    const first = await service.comments.page(-7, 42, 5, undefined);
    expect(first.map((comment) => comment.id)).toEqual([1, 2, 3, 4, 5]);
    const expected = standIn.comment(-7, 42, 0);
    expect(first[0]).toMatchObject({
      id: 1,
      fromId: expected.from_id,
      text: expected.text,
      likes: expected.likes.count,
    });
    expect(first[0]?.date).toBe(new Date(expected.date * 1000).toISOString());
    expect(standIn.maxInWindow(1000)).toBeLessThanOrEqual(40);
  });
});
