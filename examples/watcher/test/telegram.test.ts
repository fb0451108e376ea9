import { createTestDatabase, eventually, type TestDatabase, testDialects } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releasesOf, sleep, startWatcher, type WatcherHarness } from './harness.js';

// Telegram's errors end to end: the watcher's check -> keel/notify's delivery -> the Bot API stand-in.
describe.each(testDialects)('Telegram errors through keel/notify (%s)', (dialect) => {
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

  it('a 429 with retry_after 2 is honoured: nothing reaches that chat for 2 s, then the message goes out', {
    timeout: 120_000,
  }, async () => {
    h.indexer.add('slow chat', releasesOf('slow', 1));
    const { itemId } = await h.watcherWithItem('Slow', 7001, 'slow chat');
    h.bot.fail('7001', { kind: 'too-many-requests', retryAfterSeconds: 2 });
    await h.watcher.scheduler.trigger('watch-all');
    await eventually(async () => expect((await h.deliveryOf(itemId, 'slow-1'))?.state).toBe('delivered'), {
      timeoutMs: 30_000,
    });
    const toChat = h.bot.calls.filter((call) => call.chatId === '7001');
    expect(toChat.map((call) => call.status)).toEqual([429, 200]);
    expect(toChat[1]!.at - toChat[0]!.at).toBeGreaterThanOrEqual(2000);
  });

  it('a 403 (bot blocked) fails the delivery and disables the chat; later releases are skipped, not sent', {
    timeout: 120_000,
  }, async () => {
    h.indexer.add('blocked chat', releasesOf('blocked', 1));
    const { itemId, token } = await h.watcherWithItem('Blocked', 7002, 'blocked chat');
    h.bot.fail('7002', { kind: 'blocked' }, Number.POSITIVE_INFINITY);
    await h.call('POST', `/api/v1/watchlist/${itemId}/check`, { token });
    await eventually(async () => expect((await h.deliveryOf(itemId, 'blocked-1'))?.state).toBe('failed'), {
      timeoutMs: 30_000,
    });
    expect((await h.deliveryOf(itemId, 'blocked-1'))?.reason).toBe('Forbidden: bot was blocked by the user');
    const chat = await h.call('GET', '/api/v1/users/me/telegram', { token });
    expect(chat.status).toBe(200);
    expect(chat.body.disabledAt).not.toBeNull();
    expect(chat.body.disabledReason).toContain('blocked');

    h.indexer.add('blocked chat', [
      { guid: 'blocked-2', title: 'blocked 2', size: 1, publishDate: '2026-12-02T00:00:00Z' },
    ]);
    await h.call('POST', `/api/v1/watchlist/${itemId}/check`, { token });
    await eventually(async () => expect((await h.deliveryOf(itemId, 'blocked-2'))?.state).toBe('skipped'), {
      timeoutMs: 30_000,
    });
    expect((await h.deliveryOf(itemId, 'blocked-2'))?.reason).toBe('chat_disabled');
    expect(h.bot.calls.filter((call) => call.chatId === '7002')).toHaveLength(1);

    // Linking again (the user unblocked the bot) enables the chat.
    const relinked = await h.call('PUT', '/api/v1/users/me/telegram', { token, body: { chatId: 7002 } });
    expect(relinked.body.disabledAt).toBeNull();
  });

  it('a 400 is failed with Telegram’s description and never retried', { timeout: 120_000 }, async () => {
    h.indexer.add('bad photo', releasesOf('badphoto', 1, 1));
    const { itemId, token } = await h.watcherWithItem('BadPhoto', 7003, 'bad photo');
    // Only the first call fails: a retry would succeed, so a second call would show one.
    h.bot.fail('7003', { kind: 'bad-request', description: 'Bad Request: wrong file identifier/HTTP URL specified' });
    await h.call('POST', `/api/v1/watchlist/${itemId}/check`, { token });
    await eventually(async () => expect((await h.deliveryOf(itemId, 'badphoto-1'))?.state).toBe('failed'), {
      timeoutMs: 30_000,
    });
    const delivery = await h.deliveryOf(itemId, 'badphoto-1');
    expect(delivery?.reason).toBe('Bad Request: wrong file identifier/HTTP URL specified');
    expect(delivery?.attempts).toBe(1);
    await sleep(3000);
    expect(h.bot.calls.filter((call) => call.chatId === '7003')).toHaveLength(1);
    expect((await h.deliveryOf(itemId, 'badphoto-1'))?.state).toBe('failed');
    // The stored release stays: the failure is the message's, not the check's.
    expect((await h.call('GET', `/api/v1/watchlist/${itemId}/results`, { token })).body.items).toHaveLength(1);
  });
});
