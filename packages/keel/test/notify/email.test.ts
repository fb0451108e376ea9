import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type TestApp, testDialects } from '../../src/testing/index.js';
import { SmtpSink } from './fixtures/smtp-sink.js';
import { startHarness, type TestDb, type TestNotifier } from './harness.js';

for (const dialect of testDialects) {
  describe(`keel/notify email on ${dialect}`, () => {
    let smtp: SmtpSink;
    let t: TestApp<TestDb>;
    let notifier: TestNotifier;

    beforeAll(async () => {
      smtp = await new SmtpSink().start();
      ({ t, notifier } = await startHarness({
        dialect,
        email: { smtpUrl: smtp.url, retryScheduleMs: [200], maxAttempts: 3 },
      }));
      await t.app.store.db
        .insertInto('users')
        .values([
          { id: 'mia', email: 'mia@example.com' },
          { id: 'ned', email: 'ned@example.com' },
          { id: 'oli', email: 'oli@example.com' },
          { id: 'pam', email: null },
        ])
        .execute();
    });
    afterAll(async () => {
      await t?.close();
      await smtp?.stop();
    });

    const digest = (recipientId: string, key: string) =>
      notifier.notify(undefined, {
        recipientId,
        type: 'digest.weekly',
        payload: { lines: ['one', 'two'] },
        idempotencyKey: key,
      });

    async function settled(id: string) {
      return eventually(
        async () => {
          const [delivery] = (await notifier.status(id))!.deliveries;
          if (delivery!.state === 'queued' || delivery!.state === 'sending') throw new Error('open');
          return delivery!;
        },
        { timeoutMs: 15_000, intervalMs: 25 },
      );
    }

    it('delivers through SMTP with a stable Message-ID per delivery', async () => {
      const sent = await digest('mia', 'w1');
      const delivery = await settled(sent.id);
      expect(delivery).toMatchObject({ state: 'delivered', attempts: 1, target: 'mia@example.com' });
      const mail = smtp.mail.find((m) => m.to.includes('mia@example.com'))!;
      expect(mail.from).toBe('noreply@example.com');
      expect(mail.raw).toContain('Subject: Your weekly digest');
      expect(mail.raw).toContain('one\r\ntwo');
      expect(mail.raw).toContain(`Message-ID: <${delivery.id}@keel-notify>`);
    });

    it('retries a 4xx reply, fails a 5xx at once with the server’s answer, skips a recipient without address', async () => {
      let refusals = 0;
      smtp.reply = (mail) => {
        if (mail.to.includes('ned@example.com') && refusals === 0) {
          refusals += 1;
          return { code: 451, message: 'Temporary local problem, try later' };
        }
        if (mail.to.includes('oli@example.com')) return { code: 550, message: 'Mailbox unavailable' };
        return undefined;
      };
      const ned = await settled((await digest('ned', 'w2')).id);
      expect(ned).toMatchObject({ state: 'delivered', attempts: 2 });
      expect(ned.history[0]).toMatchObject({ outcome: 'retried', status: 451 });
      const oli = await settled((await digest('oli', 'w3')).id);
      expect(oli).toMatchObject({ state: 'failed', attempts: 1 });
      expect(oli.reason).toContain('550');
      expect(smtp.mail.filter((m) => m.to.includes('oli@example.com'))).toEqual([]);
      const pam = await digest('pam', 'w4');
      expect(pam.deliveries).toEqual([expect.objectContaining({ channel: 'email', state: 'skipped' })]);
    });
  });
}
