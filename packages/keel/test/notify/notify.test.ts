import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError, ValidationError } from '../../src/errors/index.js';
import type { TestApp } from '../../src/testing/index.js';
import { eventually, testDialects } from '../../src/testing/index.js';
import { BotApiFixture } from './fixtures/bot-api.js';
import type { TestDb } from './harness.js';
import { startHarness, type TestNotifier } from './harness.js';

for (const dialect of testDialects) {
  describe(`keel/notify core on ${dialect}`, () => {
    let bot: BotApiFixture;
    let t: TestApp<TestDb>;
    let notifier: TestNotifier;
    let n = 0;

    beforeAll(async () => {
      bot = await new BotApiFixture().start();
      ({ t, notifier } = await startHarness({ dialect, telegram: { apiUrl: bot.url, perChatIntervalMs: 0 } }));
    });
    afterAll(async () => {
      await t?.close();
      await bot?.stop();
    });

    async function user(chatId?: string): Promise<string> {
      n += 1;
      const id = `user-${n}`;
      await t.app.store.db
        .insertInto('users')
        .values({ id, email: `${id}@example.com` })
        .execute();
      if (chatId) await notifier.telegram.linkChat(id, chatId);
      return id;
    }

    async function delivered(id: string) {
      return eventually(
        async () => {
          const status = await notifier.status(id);
          const open = status!.deliveries.filter((d) => d.state === 'queued' || d.state === 'sending');
          if (open.length > 0) throw new Error(`open: ${JSON.stringify(open)}`);
          return status!;
        },
        { timeoutMs: 10_000, intervalMs: 25 },
      );
    }

    it('writes the notification, its inbox item and a telegram delivery job in the business transaction', async () => {
      const ann = await user('1001');
      const result = await t.app.store.transaction(async (trx) => {
        await trx.insertInto('orders').values({ id: 'o-1', user_id: ann }).execute();
        return notifier.notify(trx, {
          recipientId: ann,
          type: 'order.shipped',
          payload: { orderId: 'o-1', title: '#1' },
          idempotencyKey: 'order:o-1:shipped',
        });
      });
      expect(result.created).toBe(true);
      expect(result.deliveries.map((d) => [d.channel, d.state]).sort()).toEqual([
        ['inbox', 'delivered'],
        ['telegram', 'queued'],
      ]);
      const status = await delivered(result.id);
      expect(status.deliveries.find((d) => d.channel === 'telegram')).toMatchObject({
        state: 'delivered',
        target: '1001',
        attempts: 1,
      });
      expect(bot.calls.filter((c) => c.chatId === '1001').map((c) => c.fields.text)).toEqual(['Order #1 shipped']);
      const page = await notifier.inbox.list(ann);
      expect(page.items).toEqual([
        expect.objectContaining({ type: 'order.shipped', message: 'Order #1 shipped', subjectId: 'o-1', readAt: null }),
      ]);
      expect(await notifier.inbox.unreadCount(ann)).toBe(1);
    });

    it('gives one notification for one idempotency key (per recipient), however often it is sent', async () => {
      const bob = await user('1002');
      const cid = await user('1003');
      const send = (recipientId: string) =>
        notifier.notify(undefined, {
          recipientId,
          type: 'order.shipped',
          payload: { orderId: 'o-2', title: '#2' },
          idempotencyKey: 'order:o-2:shipped',
        });
      const first = await send(bob);
      const again = await Promise.all([send(bob), send(bob), send(bob)]);
      expect(again.every((r) => r.id === first.id && !r.created)).toBe(true);
      const other = await send(cid);
      expect(other.created).toBe(true);
      await delivered(first.id);
      await delivered(other.id);
      expect(bot.calls.filter((c) => c.chatId === '1002')).toHaveLength(1);
      expect((await notifier.inbox.list(bob)).items).toHaveLength(1);
      expect(await notifier.find({ recipientId: bob, idempotencyKey: 'order:o-2:shipped' })).toMatchObject({
        id: first.id,
      });
    });

    it('leaves nothing when the business write rolls back: no notification, inbox item or job', async () => {
      const dan = await user('1004');
      const jobsBefore = (await t.app.jobs.list({ type: 'keel.notify.deliver', limit: 500 })).items.length;
      await expect(
        t.app.store.transaction(async (trx) => {
          await notifier.notify(trx, {
            recipientId: dan,
            type: 'order.shipped',
            payload: { orderId: 'o-3', title: '#3' },
            idempotencyKey: 'order:o-3:shipped',
          });
          await trx.insertInto('orders').values({ id: 'o-3', user_id: dan }).execute();
          throw new Error('the business write failed');
        }),
      ).rejects.toThrow('the business write failed');
      expect(await notifier.find({ recipientId: dan, idempotencyKey: 'order:o-3:shipped' })).toBeUndefined();
      expect((await notifier.inbox.list(dan)).items).toEqual([]);
      expect((await t.app.jobs.list({ type: 'keel.notify.deliver', limit: 500 })).items).toHaveLength(jobsBefore);
      expect(bot.calls.filter((c) => c.chatId === '1004')).toEqual([]);
    });

    it('skips opted-out channels, never a critical type, and records why', async () => {
      const eve = await user('1005');
      await notifier.preferences.set(eve, { type: 'order.shipped', channel: 'telegram', enabled: false });
      await notifier.preferences.set(eve, { type: '*', channel: 'inbox', enabled: false });
      expect(await notifier.preferences.get(eve)).toEqual([
        { type: '*', channel: 'inbox', enabled: false },
        { type: 'order.shipped', channel: 'telegram', enabled: false },
      ]);
      const shipped = await notifier.notify(undefined, {
        recipientId: eve,
        type: 'order.shipped',
        payload: { orderId: 'o-5', title: '#5' },
        idempotencyKey: 'o-5',
      });
      expect(shipped.deliveries.map((d) => [d.channel, d.state]).sort()).toEqual([
        ['inbox', 'skipped'],
        ['telegram', 'skipped'],
      ]);
      expect((await notifier.status(shipped.id))!.deliveries.map((d) => d.reason)).toEqual([
        'preference',
        'preference',
      ]);
      const alert = await notifier.notify(undefined, {
        recipientId: eve,
        type: 'security.alert',
        payload: { text: 'new login' },
        idempotencyKey: 'login-1',
      });
      expect(alert.deliveries.map((d) => [d.channel, d.state]).sort()).toEqual([
        ['inbox', 'delivered'],
        ['telegram', 'queued'],
      ]);
      await delivered(alert.id);
      expect(bot.calls.filter((c) => c.chatId === '1005').map((c) => c.fields.text)).toEqual(['Alert: security.alert']);
      // A type-level choice wins over the recipient's `*` choice.
      await notifier.preferences.set(eve, { type: 'order.shipped', channel: 'inbox', enabled: true });
      const again = await notifier.notify(undefined, {
        recipientId: eve,
        type: 'order.shipped',
        payload: { orderId: 'o-6', title: '#6' },
        idempotencyKey: 'o-6',
      });
      expect(again.deliveries.find((d) => d.channel === 'inbox')?.state).toBe('delivered');
      await expect(
        notifier.preferences.set(eve, { type: 'nope', channel: 'inbox', enabled: true }),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(
        notifier.preferences.set(eve, { type: '*', channel: 'pigeon', enabled: true }),
      ).rejects.toBeInstanceOf(ValidationError);
    });

    it('skips a channel without a target, and refuses bad input with typed errors', async () => {
      const fay = await user();
      const result = await notifier.notify(undefined, {
        recipientId: fay,
        type: 'security.alert',
        payload: { text: 'x' },
        idempotencyKey: 'k',
      });
      expect((await notifier.status(result.id))!.deliveries.find((d) => d.channel === 'telegram')).toMatchObject({
        state: 'skipped',
        reason: 'no_target',
      });
      await expect(
        notifier.notify(undefined, {
          recipientId: fay,
          type: 'security.alert',
          payload: { text: 42 } as unknown as { text: string },
          idempotencyKey: 'bad',
        }),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(
        notifier.notify(undefined, {
          recipientId: fay,
          type: 'no.such.type' as 'security.alert',
          payload: { text: 'x' },
          idempotencyKey: 'bad',
        }),
      ).rejects.toBeInstanceOf(UsageError);
      await expect(
        notifier.notify(undefined, {
          recipientId: '',
          type: 'security.alert',
          payload: { text: 'x' },
          idempotencyKey: '',
        }),
      ).rejects.toBeInstanceOf(UsageError);
      // The recipients' foreign key: an unknown recipient is refused by the database.
      await expect(
        notifier.notify(undefined, {
          recipientId: 'ghost',
          type: 'security.alert',
          payload: { text: 'x' },
          idempotencyKey: 'ghost',
        }),
      ).rejects.toThrow();
    });

    it('pages the inbox newest first with a cursor, marks read once, and guards ownership', async () => {
      const gus = await user();
      const hal = await user();
      for (let i = 0; i < 5; i += 1) {
        await notifier.notify(undefined, {
          recipientId: gus,
          type: 'order.shipped',
          payload: { orderId: `p-${i}`, title: `#p${i}` },
          idempotencyKey: `p-${i}`,
        });
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
      const first = await notifier.inbox.list(gus, { limit: 2 });
      const second = await notifier.inbox.list(gus, { limit: 2, cursor: first.nextCursor! });
      const third = await notifier.inbox.list(gus, { limit: 2, cursor: second.nextCursor! });
      expect([...first.items, ...second.items, ...third.items].map((i) => i.subjectId)).toEqual([
        'p-4',
        'p-3',
        'p-2',
        'p-1',
        'p-0',
      ]);
      expect(third.nextCursor).toBeNull();
      await expect(notifier.inbox.list(gus, { cursor: 'nonsense' })).rejects.toBeInstanceOf(ValidationError);
      await expect(notifier.inbox.list(gus, { limit: 0 })).rejects.toBeInstanceOf(ValidationError);
      const newest = first.items[0]!;
      const read = await notifier.inbox.markRead(gus, newest.id.toUpperCase());
      expect(read.readAt).toBeInstanceOf(Date);
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect((await notifier.inbox.markRead(gus, newest.id)).readAt).toEqual(read.readAt);
      await expect(notifier.inbox.markRead(hal, newest.id)).rejects.toMatchObject({ status: 403 });
      await expect(notifier.inbox.markRead(gus, 'not-an-id')).rejects.toMatchObject({ status: 404 });
      expect(await notifier.inbox.unreadCount(gus)).toBe(4);
      expect(await notifier.inbox.markAllRead(gus)).toBe(4);
      expect(await notifier.inbox.unreadCount(gus)).toBe(0);
      expect((await notifier.inbox.list(gus, { unread: true })).items).toEqual([]);
      expect(await notifier.inbox.deleteReadBefore(new Date(Date.now() + 1000))).toBeGreaterThanOrEqual(5);
    });

    it('shows delivery state on the admin routes and counts outcomes in keel_notify_* metrics', async () => {
      const ivy = await user('1009');
      const sent = await notifier.notify(undefined, {
        recipientId: ivy,
        type: 'order.shipped',
        payload: { orderId: 'o-9', title: '#9' },
        idempotencyKey: 'o-9',
      });
      await delivered(sent.id);
      const admin = { 'x-user': 'root', 'x-admin': '1' };
      const status = await t.inject('GET', `/admin/notify/notifications/${sent.id}`, { headers: admin });
      expect(status.status).toBe(200);
      expect(status.body).toMatchObject({
        id: sent.id,
        recipientId: ivy,
        type: 'order.shipped',
        deliveries: expect.arrayContaining([
          expect.objectContaining({ channel: 'telegram', state: 'delivered', attempts: 1 }),
          expect.objectContaining({ channel: 'inbox', state: 'delivered' }),
        ]),
      });
      expect(
        (await t.inject('GET', `/admin/notify/notifications/${sent.id}`, { headers: { 'x-user': 'joe' } })).status,
      ).toBe(403);
      expect((await t.inject('GET', '/admin/notify/notifications/nope', { headers: admin })).status).toBe(404);
      const stats = await t.inject('GET', '/admin/notify/stats', { headers: admin });
      expect(stats.body).toMatchObject({
        items: expect.arrayContaining([expect.objectContaining({ channel: 'telegram', state: 'delivered' })]),
      });
      const delivery = status.body as { deliveries: { id: string; channel: string }[] };
      const telegramId = delivery.deliveries.find((d) => d.channel === 'telegram')!.id;
      expect((await t.inject('POST', `/admin/notify/deliveries/${telegramId}/retry`, { headers: admin })).status).toBe(
        409,
      );
      const metrics = await t.app.metrics.text();
      const sample = (name: string, labels: string[]): number | undefined => {
        const line = metrics
          .split('\n')
          .find((l) => l.startsWith(`${name}{`) && labels.every((label) => l.includes(label)));
        return line === undefined ? undefined : Number(line.split(' ').at(-1));
      };
      expect(sample('keel_notify_notifications_total', ['type="order.shipped"'])).toBeGreaterThanOrEqual(5);
      expect(
        sample('keel_notify_deliveries_total', ['channel="telegram"', 'outcome="delivered"']),
      ).toBeGreaterThanOrEqual(4);
      expect(sample('keel_notify_deliveries_total', ['channel="inbox"', 'outcome="skipped"'])).toBe(1);
      expect(
        sample('keel_notify_delivery_duration_seconds_count', ['channel="telegram"', 'outcome="delivered"']),
      ).toBeGreaterThanOrEqual(4);
    });
  });
}
