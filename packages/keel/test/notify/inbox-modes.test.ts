import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFeature, type FeatureContext } from '../../src/app/index.js';
import { channelsFor, defineNotifications, type Notifier } from '../../src/notify/index.js';
import { createTestApp, eventually, type TestApp, testDialects } from '../../src/testing/index.js';

const types = { note: { payload: z.object({ text: z.string() }), channels: ['inbox'] } } as const;
const channel = channelsFor(types);

for (const dialect of testDialects) {
  describe(`keel/notify inbox by job, and pruning, on ${dialect}`, () => {
    let t: TestApp<unknown>;
    let notifier: Notifier<typeof types>;

    beforeAll(async () => {
      const notifications = defineNotifications({
        types,
        channels: (_app: FeatureContext<unknown>) => ({
          inbox: channel.inbox({ delivery: 'job', render: (n) => ({ message: n.payload.text }) }),
        }),
      });
      const host = defineFeature({ name: 'host', setup: (_app: FeatureContext<unknown>) => ({}) });
      t = await createTestApp({ dialect, features: [host, notifications] });
      notifier = t.app.use(notifications);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('delivers the inbox item by a delivery job when asked, once', async () => {
      const sent = await notifier.notify(undefined, {
        recipientId: 'r1',
        type: 'note',
        payload: { text: 'by job' },
        idempotencyKey: 'j1',
      });
      expect(sent.deliveries).toEqual([expect.objectContaining({ channel: 'inbox', state: 'queued' })]);
      const jobs = await t.app.jobs.list({ type: 'keel.notify.deliver', limit: 10 });
      expect(jobs.items.map((j) => j.payload)).toEqual([{ deliveryId: sent.deliveries[0]!.id }]);
      await eventually(
        async () => {
          const [delivery] = (await notifier.status(sent.id))!.deliveries;
          expect(delivery).toMatchObject({ state: 'delivered', attempts: 1 });
        },
        { timeoutMs: 10_000, intervalMs: 25 },
      );
      expect((await notifier.inbox.list('r1')).items.map((i) => i.message)).toEqual(['by job']);
    });

    it('prunes old notifications only once their inbox items are gone, freeing their keys', async () => {
      const before = new Date(Date.now() + 1000);
      expect(await notifier.prune(before)).toBe(0);
      const [item] = (await notifier.inbox.list('r1')).items;
      await notifier.inbox.markRead('r1', item!.id);
      expect(await notifier.inbox.deleteReadBefore(before)).toBe(1);
      expect(await notifier.prune(before)).toBe(1);
      expect(await notifier.find({ recipientId: 'r1', idempotencyKey: 'j1' })).toBeUndefined();
      const again = await notifier.notify(undefined, {
        recipientId: 'r1',
        type: 'note',
        payload: { text: 'again' },
        idempotencyKey: 'j1',
      });
      expect(again.created).toBe(true);
    });
  });
}
