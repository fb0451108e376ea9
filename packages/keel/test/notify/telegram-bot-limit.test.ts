import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type TestApp, testDialects } from '../../src/testing/index.js';
import { BotApiFixture } from './fixtures/bot-api.js';
import { startHarness, type TestDb, type TestNotifier } from './harness.js';

for (const dialect of testDialects) {
  describe(`keel/notify per-bot limit on ${dialect}`, () => {
    let bot: BotApiFixture;
    let t: TestApp<TestDb>;
    let notifier: TestNotifier;

    beforeAll(async () => {
      bot = await new BotApiFixture().start();
      ({ t, notifier } = await startHarness({
        dialect,
        telegram: { apiUrl: bot.url, perBotPerSecond: 4, perChatIntervalMs: 0 },
      }));
    });
    afterAll(async () => {
      await t?.close();
      await bot?.stop();
    });

    it('starts no more than perBotPerSecond messages in any second, across chats', async () => {
      const ids = Array.from({ length: 12 }, (_, i) => `b-${i}`);
      for (const [i, id] of ids.entries()) {
        await t.app.store.db.insertInto('users').values({ id, email: null }).execute();
        await notifier.telegram.linkChat(id, String(7000 + i));
      }
      const t0 = Date.now();
      await notifier.notifyMany(
        undefined,
        ids.map((id) => ({ recipientId: id, type: 'release.found', payload: { title: id }, idempotencyKey: 'once' })),
      );
      await eventually(async () => expect(bot.calls).toHaveLength(12), { timeoutMs: 20_000, intervalMs: 25 });
      const times = bot.calls.map((c) => c.at).sort((a, b) => a - b);
      // The k-th second's turns start no earlier than t0 + (k - 1) s, and a request arrives after its
      // turn: at most 4k arrivals before t0 + k s, whatever the delays after the turns.
      for (const k of [1, 2, 3]) {
        expect(
          times.filter((at) => at < t0 + k * 1000).length,
          times.map((at) => at - t0).join(','),
        ).toBeLessThanOrEqual(4 * k);
      }
      expect(times.at(-1)! - t0).toBeGreaterThanOrEqual(2000);
    });
  });
}
