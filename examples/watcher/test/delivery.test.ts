import { createTestDatabase, eventually, type TestDatabase, testDialects } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releasesOf, sleep, startWatcher, type WatcherHarness } from './harness.js';

const ITEMS = 20;

describe.each(testDialects)('watchlist checks and Telegram delivery (%s)', (dialect) => {
  let database: TestDatabase;
  let h: WatcherHarness;
  const items: { itemId: string; chatId: string; token: string }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    h = await startWatcher(database);
    for (let i = 0; i < ITEMS; i += 1) {
      const query = `show ${i}`;
      // One release of three has a poster: sendPhoto for it, sendMessage for the others.
      h.indexer.add(query, releasesOf(`show${i}`, 3, 1));
      const created = await h.watcherWithItem(`User ${i}`, 5000 + i, query);
      items.push({ itemId: created.itemId, chatId: String(5000 + i), token: created.token });
    }
  });

  afterAll(async () => {
    await h?.stop();
    await database?.drop();
  });

  it('stores 60 new releases and sends exactly 60 Telegram messages; a second check adds and sends nothing', {
    timeout: 120_000,
  }, async () => {
    const firstAt = new Date().toISOString();
    await h.watcher.scheduler.trigger('watch-all');
    await eventually(async () => expect(await h.storedCount()).toBe(ITEMS * 3), { timeoutMs: 60_000 });
    await eventually(async () => expect((await h.deliveryStates()).delivered).toBe(ITEMS * 3), { timeoutMs: 60_000 });
    expect(await h.checkedSince(firstAt)).toBe(ITEMS);
    expect(h.indexer.searches).toHaveLength(ITEMS);
    for (const search of h.indexer.searches) {
      expect(search.type).toBe('search');
      expect(search.apiKey).toBe('test-api-key');
    }
    expect(h.bot.calls).toHaveLength(ITEMS * 3);
    expect(h.bot.calls.every((call) => call.status === 200)).toBe(true);
    expect(h.bot.calls.filter((call) => call.method === 'sendPhoto')).toHaveLength(ITEMS);
    expect(h.bot.calls.filter((call) => call.method === 'sendMessage')).toHaveLength(ITEMS * 2);
    for (const { chatId } of items) {
      const toChat = h.bot.calls.filter((call) => call.chatId === chatId);
      expect(toChat).toHaveLength(3);
      expect(new Set(toChat.map((call) => call.caption ?? call.text)).size).toBe(3);
    }
    const photo = h.bot.calls.find((call) => call.method === 'sendPhoto')!;
    expect(photo.photo).toMatch(/^https:\/\/posters\.example\/show\d+-1\.jpg$/);
    expect(photo.caption).toContain('S01E01');

    const secondAt = new Date().toISOString();
    await h.watcher.scheduler.trigger('watch-all');
    await eventually(async () => expect(await h.checkedSince(secondAt)).toBe(ITEMS), { timeoutMs: 60_000 });
    await sleep(1500);
    expect(h.indexer.searches).toHaveLength(ITEMS * 2);
    expect(await h.storedCount()).toBe(ITEMS * 3);
    expect(h.bot.calls).toHaveLength(ITEMS * 3);
    expect(await h.deliveryStates()).toEqual({ delivered: ITEMS * 3 });
  });

  it('a release published later is new: one more stored, one more message, only to its owner', {
    timeout: 120_000,
  }, async () => {
    const [first] = items;
    h.indexer.add('show 0', [
      { guid: 'show0-late', title: 'show0 S01E04 1080p', size: 10, publishDate: '2026-12-07T00:00:00.000Z' },
    ]);
    const check = await h.call('POST', `/api/v1/watchlist/${first!.itemId}/check`, { token: first!.token });
    expect(check.status).toBe(202);
    expect(check.body).toMatchObject({ itemId: first!.itemId, status: 'queued' });
    await eventually(async () => expect((await h.deliveryStates()).delivered).toBe(ITEMS * 3 + 1), {
      timeoutMs: 30_000,
    });
    expect(await h.storedCount()).toBe(ITEMS * 3 + 1);
    const last = h.bot.calls.at(-1)!;
    expect(last.chatId).toBe(first!.chatId);
    expect(last.text).toContain('S01E04');
    const page = await h.call('GET', `/api/v1/watchlist/${first!.itemId}/results?limit=2`, { token: first!.token });
    expect(page.status).toBe(200);
    expect(page.body.items.map((r: { guid: string }) => r.guid)).toEqual(['show0-late', 'show0-3']);
    const next = await h.call(
      'GET',
      `/api/v1/watchlist/${first!.itemId}/results?limit=2&cursor=${page.body.nextCursor}`,
      { token: first!.token },
    );
    expect(next.body.items.map((r: { guid: string }) => r.guid)).toEqual(['show0-2', 'show0-1']);
    expect(next.body.nextCursor).toBeNull();
  });
});
