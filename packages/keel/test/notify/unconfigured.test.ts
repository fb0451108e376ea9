import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UsageError } from '../../src/errors/index.js';
import { channelsFor, createNotifier } from '../../src/notify/index.js';
import { eventually, type TestApp, testDialects } from '../../src/testing/index.js';
import { startHarness, type TestDb, type TestNotifier } from './harness.js';

for (const dialect of testDialects) {
  describe(`keel/notify without a bot token on ${dialect}`, () => {
    let t: TestApp<TestDb>;
    let notifier: TestNotifier;

    beforeAll(async () => {
      ({ t, notifier } = await startHarness({ dialect, telegram: { botToken: undefined } }));
      await t.app.store.db.insertInto('users').values({ id: 'u1', email: null }).execute();
      await notifier.telegram.linkChat('u1', '4242');
    });
    afterAll(async () => {
      await t?.close();
    });

    it('starts, reports the channel degraded, and keeps its deliveries queued', async () => {
      const ready = await t.inject('GET', '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({
        status: 'degraded',
        checks: { 'notify-telegram': { status: 'down', critical: false } },
      });
      const sent = await notifier.notify(undefined, {
        recipientId: 'u1',
        type: 'release.found',
        payload: { title: 'Waits' },
        idempotencyKey: 'w',
      });
      const before = Date.now();
      const delivery = await eventually(
        async () => {
          const [d] = (await notifier.status(sent.id))!.deliveries;
          if (!d!.nextAttemptAt || d!.nextAttemptAt.getTime() < before + 30_000) throw new Error('not looked at yet');
          return d!;
        },
        { timeoutMs: 10_000, intervalMs: 25 },
      );
      expect(delivery).toMatchObject({ state: 'queued', attempts: 0 });
      const waiting = await t.app.jobs.list({ type: 'keel.notify.deliver', state: 'waiting', limit: 500 });
      expect(waiting.items.some((j) => (j.payload as { deliveryId: string }).deliveryId === delivery.id)).toBe(true);
    });

    it('gives an inbox-only notifier over the same tables with createNotifier', async () => {
      const types = { note: { payload: z.object({ text: z.string() }), channels: ['inbox'] } } as const;
      const channel = channelsFor(types);
      const inboxOnly = createNotifier({
        store: t.app.store as never,
        types,
        channels: { inbox: channel.inbox({ render: (n) => ({ message: n.payload.text }) }) },
      });
      const [a, b] = await inboxOnly.notifyMany(undefined, [
        { recipientId: 'u1', type: 'note', payload: { text: 'one' }, idempotencyKey: 'n1' },
        { recipientId: 'u1', type: 'note', payload: { text: 'one' }, idempotencyKey: 'n1' },
      ]);
      expect(a!.created).toBe(true);
      expect(b).toMatchObject({ id: a!.id, created: false });
      expect((await notifier.inbox.list('u1')).items.map((i) => i.message)).toEqual(['one']);
      const withTelegram = { ping: { payload: z.object({}), channels: ['telegram'] } } as const;
      const outbound = createNotifier({
        store: t.app.store as never,
        types: withTelegram,
        channels: { telegram: channelsFor(withTelegram).telegram({ render: () => ({ text: 'x' }) }) },
      });
      await expect(
        outbound.notify(undefined, { recipientId: 'u1', type: 'ping', payload: {}, idempotencyKey: 'p' }),
      ).rejects.toBeInstanceOf(UsageError);
    });
  });
}
