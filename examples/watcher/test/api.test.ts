import { createTestDatabase, eventually, type TestDatabase, testDialects } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releasesOf, sleep, startWatcher, type WatcherHarness } from './harness.js';

describe.each(testDialects)('the watcher API (%s)', (dialect) => {
  let database: TestDatabase;
  let h: WatcherHarness;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    h = await startWatcher(database);
  });

  afterAll(async () => {
    await h?.stop();
    await database?.drop();
  });

  it('registers, logs in and answers users/me', async () => {
    const { token, email } = await h.user('Ann');
    const me = await h.call('GET', '/api/v1/users/me', { token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email, name: 'Ann', role: 'user' });
    expect((await h.call('GET', '/api/v1/users/me')).status).toBe(401);
  });

  it('links a Telegram chat and refuses a malformed one', async () => {
    const { token } = await h.user('Bob');
    expect((await h.call('GET', '/api/v1/users/me/telegram', { token })).status).toBe(404);
    const linked = await h.call('PUT', '/api/v1/users/me/telegram', { token, body: { chatId: 123456789 } });
    expect(linked.status).toBe(200);
    expect(linked.body).toEqual({ chatId: '123456789', disabledAt: null, disabledReason: null });
    expect((await h.call('GET', '/api/v1/users/me/telegram', { token })).body.chatId).toBe('123456789');
    const bad = await h.call('PUT', '/api/v1/users/me/telegram', { token, body: { chatId: 'not a chat' } });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
  });

  it('creates, lists and deletes watchlist items; each user sees only their own', async () => {
    const ann = await h.user('Carol');
    const other = await h.user('Dave');
    const created = await h.call('POST', '/api/v1/watchlist', {
      token: ann.token,
      body: { query: '  The Expanse ', categories: [5000, 2000, 5000], minSeeders: 5, maxSizeBytes: 8_000_000_000 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      query: 'The Expanse',
      categories: [2000, 5000],
      minSeeders: 5,
      maxSizeBytes: 8_000_000_000,
      lastCheckedAt: null,
    });
    const id = created.body.id as string;
    expect((await h.call('GET', '/api/v1/watchlist', { token: ann.token })).body.items).toHaveLength(1);
    expect((await h.call('GET', '/api/v1/watchlist', { token: other.token })).body.items).toHaveLength(0);
    expect((await h.call('DELETE', `/api/v1/watchlist/${id}`, { token: other.token })).status).toBe(403);
    expect((await h.call('GET', `/api/v1/watchlist/${id}/results`, { token: other.token })).status).toBe(403);
    expect((await h.call('POST', `/api/v1/watchlist/${id}/check`, { token: other.token })).status).toBe(403);
    expect((await h.call('DELETE', `/api/v1/watchlist/${id}`, { token: ann.token })).status).toBe(204);
    expect((await h.call('DELETE', `/api/v1/watchlist/${id}`, { token: ann.token })).status).toBe(404);
    expect((await h.call('GET', '/api/v1/watchlist/not-an-id/results', { token: ann.token })).status).toBe(404);
    expect((await h.call('GET', '/api/v1/watchlist', { token: ann.token })).body.items).toHaveLength(0);
  });

  it('refuses bad items with problem+json 400', async () => {
    const { token } = await h.user('Erin');
    for (const body of [{}, { query: '' }, { query: 'x', minSeeders: -1 }, { query: 'x', categories: ['tv'] }]) {
      const answer = await h.call('POST', '/api/v1/watchlist', { token, body });
      expect(answer.status).toBe(400);
      expect(answer.body.type).toBe('urn:keel:problem:validation');
    }
    const page = await h.call('POST', '/api/v1/watchlist', { token, body: { query: 'y' } });
    const badCursor = await h.call('GET', `/api/v1/watchlist/${page.body.id}/results?cursor=zzz`, { token });
    expect(badCursor.status).toBe(400);
  });

  it('applies the filters: too few seeders or too large is not stored nor sent; categories go to the indexer', async () => {
    h.indexer.add('filtered', [
      { guid: 'f-ok', title: 'ok', size: 1000, seeders: 10, publishDate: '2026-12-01T00:00:00Z', categories: [5000] },
      { guid: 'f-few', title: 'few', size: 1000, seeders: 1, publishDate: '2026-12-01T00:00:00Z', categories: [5000] },
      { guid: 'f-big', title: 'big', size: 9000, seeders: 10, publishDate: '2026-12-01T00:00:00Z', categories: [5000] },
      {
        guid: 'f-movie',
        title: 'movie',
        size: 10,
        seeders: 10,
        publishDate: '2026-12-01T00:00:00Z',
        categories: [2000],
      },
    ]);
    const { token } = await h.user('Finn');
    await h.call('PUT', '/api/v1/users/me/telegram', { token, body: { chatId: 4242 } });
    const item = await h.call('POST', '/api/v1/watchlist', {
      token,
      body: { query: 'filtered', categories: [5000], minSeeders: 5, maxSizeBytes: 5000 },
    });
    await h.call('POST', `/api/v1/watchlist/${item.body.id}/check`, { token });
    await eventually(async () => {
      const results = await h.call('GET', `/api/v1/watchlist/${item.body.id}/results`, { token });
      expect(results.body.items.map((r: { guid: string }) => r.guid)).toEqual(['f-ok']);
    });
    const search = h.indexer.searches.find((s) => s.query === 'filtered')!;
    expect(search.categories).toEqual([5000]);
    await eventually(() => expect(h.bot.calls.filter((c) => c.chatId === '4242')).toHaveLength(1));
  });

  it('reports the indexer and Telegram in readiness', async () => {
    const ready = await h.call('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.indexer.status).toBe('up');
    expect(ready.body.status).toBe('ok');
  });
});

describe('without an indexer or a bot', () => {
  let database: TestDatabase;
  let h: WatcherHarness;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    h = await startWatcher(database, { env: { INDEXER_URL: '', INDEXER_API_KEY: '', TELEGRAM_BOT_TOKEN: '' } });
  });

  afterAll(async () => {
    await h?.stop();
    await database?.drop();
  });

  it('starts; readiness is degraded; a check is accepted and waits', async () => {
    const ready = await h.call('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('degraded');
    expect(ready.body.checks.indexer).toMatchObject({ status: 'down', critical: false });
    expect(ready.body.checks.indexer.error).toContain('INDEXER_URL');
    expect(ready.body.checks['notify-telegram']).toMatchObject({ status: 'down', critical: false });
    expect(ready.body.checks['notify-telegram'].error).toContain('no bot token');
    h.indexer.add('waiting', releasesOf('waiting', 1));
    const { token, itemId } = await h.watcherWithItem('Gus', 31337, 'waiting');
    expect((await h.call('POST', `/api/v1/watchlist/${itemId}/check`, { token })).status).toBe(202);
    await h.watcher.scheduler.trigger('watch-all');
    await sleep(1500);
    expect(h.indexer.searches).toHaveLength(0);
    const items = await h.call('GET', '/api/v1/watchlist', { token });
    expect(items.body.items[0].lastCheckedAt).toBeNull();
    // The check is still queued, waiting for an indexer.
    const waiting = await h.watcher.jobs.list({ queue: 'watch', state: 'waiting' });
    expect(waiting.items.some((job) => job.type === 'watcher.check')).toBe(true);
  });
});
