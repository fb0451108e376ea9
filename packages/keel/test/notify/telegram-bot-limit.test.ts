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
      await notifier.notifyMany(
        undefined,
        ids.map((id) => ({ recipientId: id, type: 'release.found', payload: { title: id }, idempotencyKey: 'once' })),
      );
      await eventually(async () => expect(bot.calls).toHaveLength(12), { timeoutMs: 20_000, intervalMs: 25 });
      const times = bot.calls.map((c) => c.at).sort((a, b) => a - b);
      // Turns are at most 4 per 1000 ms in the sender; each request follows its turn after one store
      // write and, for the first, a new connection (up to a few hundred ms on a busy machine), hence 700.
      for (const start of times)
        expect(times.filter((at) => at >= start && at < start + 700).length, times.join(',')).toBeLessThanOrEqual(4);
      expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(1900);
    });
  });
}
