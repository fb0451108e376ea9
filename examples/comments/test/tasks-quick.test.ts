import { createTestDatabase, type TestDatabase, testDialects } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVkStandIn, type VkStandIn } from '../src/vk/stand-in.js';
import { type CommentsHarness, startComments } from './harness.js';

describe.each(testDialects)('tasks quick (%s)', (dialect) => {
  let database: TestDatabase;
  let standIn: VkStandIn;
  let harness: CommentsHarness;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    standIn = await startVkStandIn({ posts: { '1_1': 500 }, refusedPosts: { '1_2': 15 } });
    harness = await startComments(database, { VK_API_URL: standIn.apiUrl, VK_RATE_PER_SECOND: '50' });
  });
  afterAll(async () => {
    await harness?.stop();
    await standIn?.close();
    await database?.drop();
  });
  it('runs parse, analyze, export and a refused parse', async () => {
    const tasks = harness.app.tasks;
    const parse = await tasks.create({ name: 'parse' }, { ownerId: 1, postId: 1 }, { owner: 'u1' });
    const done = async (id: string) => {
      for (;;) {
        const task = await tasks.get(id);
        if (task && ['succeeded', 'failed', 'cancelled'].includes(task.state)) return task;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const parsed = await done(parse.id);
    console.log(JSON.stringify(parsed));
    expect(parsed.state).toBe('succeeded');
    const analyzed = await done((await tasks.create({ name: 'analyze' }, { ownerId: 1, postId: 1 }, { owner: 'u1' })).id);
    expect(analyzed.state).toBe('succeeded');
    const exported = await done((await tasks.create({ name: 'export' }, { ownerId: 1, postId: 1, format: 'xlsx' }, { owner: 'u1' })).id);
    console.log(JSON.stringify(exported));
    expect(exported.state).toBe('succeeded');
    const refused = await done((await tasks.create({ name: 'parse' }, { ownerId: 1, postId: 2 }, { owner: 'u1' })).id);
    console.log(JSON.stringify(refused));
    expect(refused.state).toBe('failed');
  }, 60_000);
});
