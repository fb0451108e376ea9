import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors/index.js';
import { STANDARD_WEBHOOK_RETRY_SCHEDULE_MS, verifyWebhook, WebhookVerificationError } from '../../src/notify/index.js';
import { eventually, type TestApp, testDialects } from '../../src/testing/index.js';
import { WebhookReceiver } from './fixtures/webhook-receiver.js';
import { startHarness, type TestDb, type TestNotifier } from './harness.js';

const headersOf = (h: Record<string, string | string[] | undefined>) => ({
  'webhook-id': String(h['webhook-id']),
  'webhook-timestamp': String(h['webhook-timestamp']),
  'webhook-signature': String(h['webhook-signature']),
});

for (const dialect of testDialects) {
  describe(`keel/notify webhooks on ${dialect}`, () => {
    let receiver: WebhookReceiver;
    let t: TestApp<TestDb>;
    let notifier: TestNotifier;
    let n = 0;

    beforeAll(async () => {
      receiver = await new WebhookReceiver().start();
      ({ t, notifier } = await startHarness({ dialect }));
    });
    afterAll(async () => {
      await t?.close();
      await receiver?.stop();
    });

    async function customer(notifierOf = notifier, app = t): Promise<string> {
      n += 1;
      const id = `wh-${n}`;
      await app.app.store.db.insertInto('users').values({ id, email: null }).execute();
      void notifierOf;
      return id;
    }

    const paid = (target: TestNotifier, recipientId: string, invoiceId: string) =>
      target.notify(undefined, {
        recipientId,
        type: 'invoice.paid',
        payload: { invoiceId, amount: 42 },
        idempotencyKey: `paid:${invoiceId}`,
      });

    async function settled(target: TestNotifier, notificationId: string) {
      return eventually(
        async () => {
          const status = await target.status(notificationId);
          const open = status!.deliveries.filter((d) => d.state === 'queued' || d.state === 'sending');
          if (open.length > 0) throw new Error('open');
          return status!.deliveries;
        },
        { timeoutMs: 15_000, intervalMs: 25 },
      );
    }

    it('signs per Standard Webhooks: the reference library verifies id, timestamp and body', async () => {
      const id = await customer();
      receiver.reply = () => ({ status: 204 });
      const endpoint = await notifier.webhooks.addEndpoint(id, { url: receiver.url(`/a/${id}`) });
      expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
      const sent = await paid(notifier, id, 'inv-1');
      const [delivery] = await settled(notifier, sent.id);
      expect(delivery).toMatchObject({ state: 'delivered', attempts: 1, target: endpoint.id });
      const hook = receiver.received.find((r) => r.path === `/a/${id}`)!;
      expect(hook.headers['content-type']).toBe('application/json');
      expect(hook.headers['webhook-id']).toBe(delivery!.id);
      const verified = new Webhook(endpoint.secret).verify(hook.body, headersOf(hook.headers)) as Record<
        string,
        unknown
      >;
      expect(verified).toEqual({
        type: 'invoice.paid',
        timestamp: expect.any(String),
        data: { invoiceId: 'inv-1', amount: 42 },
      });
      // Keel's own receiver helper agrees, and refuses a tampered body or a stale timestamp.
      expect(verifyWebhook({ secret: endpoint.secret, headers: hook.headers, body: hook.body })).toEqual(verified);
      expect(() => verifyWebhook({ secret: endpoint.secret, headers: hook.headers, body: `${hook.body} ` })).toThrow(
        WebhookVerificationError,
      );
      expect(() =>
        verifyWebhook({ secret: endpoint.secret, headers: hook.headers, body: hook.body, nowMs: Date.now() + 600_000 }),
      ).toThrow(WebhookVerificationError);
      // The reference library's own signature verifies with keel's helper too.
      const ref = new Webhook(endpoint.secret);
      const stamp = new Date();
      const signature = ref.sign('msg_1', stamp, '{"a":1}');
      expect(
        verifyWebhook({
          secret: endpoint.secret,
          headers: {
            'webhook-id': 'msg_1',
            'webhook-timestamp': String(Math.floor(stamp.getTime() / 1000)),
            'webhook-signature': signature,
          },
          body: '{"a":1}',
        }),
      ).toEqual({ a: 1 });
    });

    it('signs with the old and the new secret while a rotation overlaps, then with the new one only', async () => {
      const id = await customer();
      receiver.reply = () => ({ status: 200 });
      const first = await notifier.webhooks.addEndpoint(id, { url: receiver.url(`/r/${id}`) });
      const rotated = await notifier.webhooks.rotateSecret(first.id, { overlapMs: 3_600_000 });
      expect(rotated.secret).not.toBe(first.secret);
      await settled(notifier, (await paid(notifier, id, 'rot-1')).id);
      const during = receiver.received.filter((r) => r.path === `/r/${id}`).at(-1)!;
      expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
      for (const secret of [first.secret, rotated.secret]) {
        expect(new Webhook(secret).verify(during.body, headersOf(during.headers))).toMatchObject({
          type: 'invoice.paid',
        });
      }
      const again = await notifier.webhooks.rotateSecret(first.id, { overlapMs: 0 });
      await settled(notifier, (await paid(notifier, id, 'rot-2')).id);
      const after = receiver.received.filter((r) => r.path === `/r/${id}`).at(-1)!;
      expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
      expect(new Webhook(again.secret).verify(after.body, headersOf(after.headers))).toMatchObject({
        type: 'invoice.paid',
      });
      for (const old of [first.secret, rotated.secret]) {
        expect(() => new Webhook(old).verify(after.body, headersOf(after.headers))).toThrow();
      }
    });

    it('refuses private targets unless allowed: literal addresses when added, resolved names when sent', async () => {
      const strict = await startHarness({ dialect, webhook: { allowPrivateTargets: false } });
      try {
        const id = await customer(strict.notifier, strict.t);
        for (const url of [
          `http://127.0.0.1:${receiver.port}/x`,
          'http://10.1.2.3/x',
          'http://169.254.169.254/latest/meta-data',
          'http://[::1]/x',
          'http://[::ffff:127.0.0.1]/x',
          'http://localhost/x',
          'ftp://example.com/x',
        ]) {
          await expect(strict.notifier.webhooks.addEndpoint(id, { url })).rejects.toBeInstanceOf(ValidationError);
        }
        // A name that resolves to a loopback address passes the URL check and is refused at connect.
        const name = hostname();
        const resolved = await lookup(name, { all: true });
        expect(resolved.length).toBeGreaterThan(0);
        expect(resolved.every((a) => a.address.startsWith('127.') || a.address === '::1')).toBe(true);
        await strict.notifier.webhooks.addEndpoint(id, { url: `http://${name}:${receiver.port}/ssrf` });
        const sent = await paid(strict.notifier, id, 'ssrf');
        const [delivery] = await settled(strict.notifier, sent.id);
        expect(delivery!.state).toBe('failed');
        expect(delivery!.reason).toMatch(/^ssrf_refused: /);
        expect(delivery!.attempts).toBe(1);
        expect(receiver.received.filter((r) => r.path === '/ssrf')).toEqual([]);
      } finally {
        await strict.t.close();
      }
    });
  });

  describe(`keel/notify webhook retries with an injected clock on ${dialect}`, () => {
    let receiver: WebhookReceiver;
    let t: TestApp<TestDb>;
    let notifier: TestNotifier;
    // A clock a year back: every scheduled attempt is already due for the real job queue, and the
    // schedule is read from the attempts' times on the injected clock.
    let nowMs = Date.now() - 365 * 86_400_000;
    const T0 = nowMs;

    beforeAll(async () => {
      receiver = await new WebhookReceiver().start();
      ({ t, notifier } = await startHarness({ dialect, clock: () => nowMs }));
    });
    afterAll(async () => {
      await t?.close();
      await receiver?.stop();
    });

    async function finalDelivery(notificationId: string) {
      return eventually(
        async () => {
          const [delivery] = (await notifier.status(notificationId))!.deliveries;
          if (delivery!.state === 'queued' || delivery!.state === 'sending') throw new Error('open');
          return delivery!;
        },
        { timeoutMs: 20_000, intervalMs: 25 },
      );
    }

    it('retries immediately, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; 3xx counts as failure', async () => {
      await t.app.store.db.insertInto('users').values({ id: 'sched', email: null }).execute();
      await notifier.webhooks.addEndpoint('sched', { url: receiver.url('/sched') });
      let calls = 0;
      receiver.reply = () => {
        calls += 1;
        // Each attempt moves the injected clock by a second: times are the attempts' own.
        nowMs += 1000;
        return calls % 2 === 0 ? { status: 302, headers: { location: 'https://elsewhere.example/' } } : { status: 500 };
      };
      const sent = await notifier.notify(undefined, {
        recipientId: 'sched',
        type: 'invoice.paid',
        payload: { invoiceId: 's', amount: 1 },
        idempotencyKey: 's',
      });
      const delivery = await finalDelivery(sent.id);
      expect(delivery.state).toBe('failed');
      expect(delivery.attempts).toBe(8);
      expect(receiver.received.filter((r) => r.path === '/sched')).toHaveLength(8);
      expect(delivery.history.map((a) => a.status)).toEqual([500, 302, 500, 302, 500, 302, 500, 302]);
      // The first attempt runs at once (the notification's own time).
      expect(delivery.history[0]!.at.getTime()).toBe(T0);
      const delays = delivery.history.slice(0, 7).map((a) => a.nextAttemptAt!.getTime() - (a.at.getTime() + 1000));
      expect(delays).toEqual([...STANDARD_WEBHOOK_RETRY_SCHEDULE_MS]);
      expect(STANDARD_WEBHOOK_RETRY_SCHEDULE_MS).toEqual([
        5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
      ]);
      expect(delivery.history[7]).toMatchObject({ outcome: 'failed', status: 302 });
      expect(delivery.reason).toBe('answered 302');
    });

    it('honours a later Retry-After, and a 410 fails the delivery and disables the endpoint', async () => {
      await t.app.store.db.insertInto('users').values({ id: 'gone', email: null }).execute();
      const endpoint = await notifier.webhooks.addEndpoint('gone', { url: receiver.url('/gone') });
      let calls = 0;
      receiver.reply = () => {
        calls += 1;
        return calls === 1 ? { status: 503, headers: { 'retry-after': '7200' } } : { status: 410 };
      };
      const sent = await notifier.notify(undefined, {
        recipientId: 'gone',
        type: 'invoice.paid',
        payload: { invoiceId: 'g', amount: 1 },
        idempotencyKey: 'g',
      });
      const delivery = await finalDelivery(sent.id);
      const [first, second] = delivery.history;
      expect(first).toMatchObject({ outcome: 'retried', status: 503 });
      expect(first!.nextAttemptAt!.getTime() - first!.at.getTime()).toBe(7_200_000);
      expect(second).toMatchObject({ outcome: 'failed', status: 410 });
      expect(delivery).toMatchObject({ state: 'failed', attempts: 2 });
      expect(delivery.reason).toMatch(/^endpoint_gone/);
      expect(await notifier.webhooks.endpoint(endpoint.id)).toMatchObject({ disabledAt: expect.any(Date) });
      const next = await notifier.notify(undefined, {
        recipientId: 'gone',
        type: 'invoice.paid',
        payload: { invoiceId: 'g2', amount: 1 },
        idempotencyKey: 'g2',
      });
      expect(next.deliveries).toEqual([expect.objectContaining({ channel: 'webhook', state: 'skipped' })]);
      expect((await notifier.status(next.id))!.deliveries[0]!.reason).toBe('endpoint_disabled');
      expect(receiver.received.filter((r) => r.path === '/gone')).toHaveLength(2);
      await notifier.webhooks.enableEndpoint(endpoint.id);
      receiver.reply = () => ({ status: 200 });
      const back = await notifier.notify(undefined, {
        recipientId: 'gone',
        type: 'invoice.paid',
        payload: { invoiceId: 'g3', amount: 1 },
        idempotencyKey: 'g3',
      });
      expect(await finalDelivery(back.id)).toMatchObject({ state: 'delivered' });
    });
  });
}
