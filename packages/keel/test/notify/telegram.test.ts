import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type TestApp, testDialects } from '../../src/testing/index.js';
import { BotApiFixture } from './fixtures/bot-api.js';
import { startHarness, type TestDb, type TestNotifier } from './harness.js';

// A 1x1 PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

for (const dialect of testDialects) {
  describe(`keel/notify Telegram channel on ${dialect}`, () => {
    let bot: BotApiFixture;
    let t: TestApp<TestDb>;
    let notifier: TestNotifier;
    let n = 0;

    beforeAll(async () => {
      bot = await new BotApiFixture().start();
      ({ t, notifier } = await startHarness({ dialect, telegram: { apiUrl: bot.url, timeoutMs: 1500 } }));
    });
    afterAll(async () => {
      await t?.close();
      await bot?.stop();
    });

    /** A user with a linked chat of its own. */
    async function user(): Promise<{ id: string; chat: string }> {
      n += 1;
      const id = `tg-${n}`;
      const chat = String(5000 + n);
      await t.app.store.db.insertInto('users').values({ id, email: null }).execute();
      await notifier.telegram.linkChat(id, chat);
      return { id, chat };
    }

    const send = (
      recipientId: string,
      key: string,
      payload: { title: string; posterUrl?: string; posterBase64?: string; stream?: boolean },
    ) => notifier.notify(undefined, { recipientId, type: 'release.found', payload, idempotencyKey: key });

    async function settled(notificationId: string) {
      return eventually(
        async () => {
          const status = await notifier.status(notificationId);
          const telegram = status!.deliveries.find((d) => d.channel === 'telegram')!;
          if (telegram.state === 'queued' || telegram.state === 'sending') throw new Error(`still ${telegram.state}`);
          return telegram;
        },
        { timeoutMs: 15_000, intervalMs: 25 },
      );
    }

    const callsTo = (chat: string) => bot.calls.filter((c) => c.chatId === chat);

    it('honours a 429 retry_after of 2 s: nothing reaches that chat before, then it delivers', async () => {
      const { id, chat } = await user();
      let first = true;
      bot.reply = (call) => {
        if (call.chatId === chat && first) {
          first = false;
          return { status: 429, retryAfter: 2 };
        }
        return { ok: true };
      };
      const a = await send(id, 'a', { title: 'A' });
      await eventually(async () => expect(callsTo(chat)).toHaveLength(1), { timeoutMs: 10_000, intervalMs: 10 });
      // A second message to the same chat, queued right after the 429: it waits too.
      const b = await send(id, 'b', { title: 'B' });
      const delivered = await settled(a.id);
      await settled(b.id);
      expect(delivered, JSON.stringify(delivered)).toMatchObject({ state: 'delivered', attempts: 2 });
      expect(delivered.history[0]).toMatchObject({ outcome: 'retried', status: 429 });
      const calls = callsTo(chat);
      expect(calls).toHaveLength(3);
      const answered429At = calls[0]!.at;
      for (const later of calls.slice(1)) expect(later.at - answered429At).toBeGreaterThanOrEqual(2000);
      expect(calls.map((c) => c.fields.text).sort()).toEqual(['New release: A', 'New release: A', 'New release: B']);
    });

    it('fails a 400 with Telegram’s description and never retries it', async () => {
      const { id, chat } = await user();
      bot.reply = (call) =>
        call.chatId === chat
          ? { status: 400, description: 'Bad Request: wrong file identifier/HTTP URL specified' }
          : { ok: true };
      const sent = await send(id, 'bad', { title: 'Bad', posterUrl: 'https://example.com/missing.jpg' });
      const delivery = await settled(sent.id);
      expect(delivery).toMatchObject({
        state: 'failed',
        reason: 'Bad Request: wrong file identifier/HTTP URL specified',
        attempts: 1,
        nextAttemptAt: null,
      });
      const waiting = await t.app.jobs.list({ type: 'keel.notify.deliver', state: 'waiting', limit: 500 });
      expect(waiting.items.filter((j) => (j.payload as { deliveryId: string }).deliveryId === delivery.id)).toEqual([]);
      expect(callsTo(chat)).toHaveLength(1);
    });

    it('disables the chat on a 403: later messages are skipped until it is linked again', async () => {
      const { id, chat } = await user();
      bot.reply = (call) =>
        call.chatId === chat ? { status: 403, description: 'Forbidden: bot was blocked by the user' } : { ok: true };
      const blocked = await settled((await send(id, 'x1', { title: 'X1' })).id);
      expect(blocked).toMatchObject({ state: 'failed', reason: 'Forbidden: bot was blocked by the user', attempts: 1 });
      expect(await notifier.telegram.chat(id)).toMatchObject({
        chatId: chat,
        disabledAt: expect.any(Date),
        disabledReason: 'Forbidden: bot was blocked by the user',
      });
      const next = await send(id, 'x2', { title: 'X2' });
      expect(next.deliveries.find((d) => d.channel === 'telegram')).toMatchObject({ state: 'skipped' });
      expect((await notifier.status(next.id))!.deliveries[0]!.reason).toBe('chat_disabled');
      expect(callsTo(chat)).toHaveLength(1);
      bot.reply = () => ({ ok: true });
      await notifier.telegram.linkChat(id, chat);
      expect(await settled((await send(id, 'x3', { title: 'X3' })).id)).toMatchObject({ state: 'delivered' });
      expect(callsTo(chat)).toHaveLength(2);
    });

    it('fails a delivery whose render throws, without sending or retrying', async () => {
      const { id, chat } = await user();
      const delivery = await settled((await send(id, 'boom', { title: 'boom' })).id);
      expect(delivery).toMatchObject({ state: 'failed', reason: 'render_failed: cannot render boom', attempts: 0 });
      expect(callsTo(chat)).toEqual([]);
    });

    it('follows a group migrated to a supergroup to its new chat id', async () => {
      const { id, chat } = await user();
      bot.reply = (call) =>
        call.chatId === chat
          ? { status: 400, description: 'Bad Request: group chat was upgraded to a supergroup chat', migrateTo: -1009 }
          : { ok: true };
      const delivery = await settled((await send(id, 'moved', { title: 'Moved' })).id);
      expect(delivery).toMatchObject({ state: 'delivered', attempts: 2 });
      expect(callsTo('-1009')).toHaveLength(1);
      expect(await notifier.telegram.chat(id)).toMatchObject({ chatId: '-1009', disabledAt: null });
    });

    it('sends one message at a time to a chat, the next a second after the last answer', async () => {
      const { id, chat } = await user();
      bot.reply = () => ({ ok: true });
      const sent = await Promise.all([0, 1, 2, 3].map((i) => send(id, `burst-${i}`, { title: `T${i}` })));
      for (const s of sent) expect(await settled(s.id)).toMatchObject({ state: 'delivered', attempts: 1 });
      const times = callsTo(chat)
        .map((c) => c.at)
        .sort((x, y) => x - y);
      expect(times).toHaveLength(4);
      // The next message to a chat starts 1000 ms after the last one's answer: a hard bound at the server.
      for (let i = 1; i < times.length; i += 1) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1000);
    });

    it('sends photos by URL (JSON) and by bytes (multipart upload)', async () => {
      const { id, chat } = await user();
      bot.reply = () => ({ ok: true });
      await settled((await send(id, 'url', { title: 'Poster', posterUrl: 'https://img.example/p.jpg' })).id);
      await settled((await send(id, 'bytes', { title: 'Upload', posterBase64: PNG })).id);
      const [byUrl, byBytes] = callsTo(chat);
      expect(byUrl).toMatchObject({
        method: 'sendPhoto',
        contentType: expect.stringContaining('application/json'),
        fields: { chat_id: chat, photo: 'https://img.example/p.jpg', caption: 'Poster' },
      });
      expect(byBytes).toMatchObject({
        method: 'sendPhoto',
        contentType: expect.stringContaining('multipart/form-data; boundary='),
        fields: { chat_id: chat, caption: 'Upload' },
      });
      expect(byBytes!.file?.equals(Buffer.from(PNG, 'base64'))).toBe(true);
      expect(byBytes!.token).toBe('123456:TEST-token');
    });

    it('never sends again once a request may have arrived (at most once), nor re-sends a stream', async () => {
      const { id, chat } = await user();
      bot.reply = (call) => (call.chatId === chat ? { hang: true } : { ok: true });
      const hung = await settled((await send(id, 'hang', { title: 'Hang' })).id);
      expect(hung.state).toBe('failed');
      expect(hung.reason).toMatch(/^maybe_delivered: /);
      expect(hung.reason).not.toContain('TEST-token');
      expect(callsTo(chat)).toHaveLength(1);
      bot.reply = (call) => (call.chatId === chat ? { destroy: true } : { ok: true });
      const streamed = await settled((await send(id, 'stream', { title: 'S', posterBase64: PNG, stream: true })).id);
      expect(streamed.state).toBe('failed');
      expect(streamed.reason).toMatch(/^stream_not_replayable: /);
      expect(callsTo(chat)).toHaveLength(2);
    });
  });
}
